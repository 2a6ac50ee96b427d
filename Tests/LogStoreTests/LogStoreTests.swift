import Foundation
import LogStore
import RaftCore
import Testing

@Suite("LogStore basics")
struct LogStoreTests {
    @Test("appended entries read back identically, across segments and after reopening")
    func appendAndReadBack() async throws {
        let dir = TemporaryDirectory()
        let options = LogStoreOptions(segmentBytes: 1024, compressionThreshold: 64)
        let written = makeEntries(1...200, size: 150)
        do {
            let store = try LogStore(directory: dir.path, options: options)
            try await store.append(Array(written[0..<50]))
            try await store.append(Array(written[50...]))
            #expect(try store.entries(from: LogIndex(1), to: LogIndex(201)) == written)
            #expect(store.lastIndex == LogIndex(200))
            await store.close()
        }
        #expect(segmentFiles(in: dir.path).count > 5)
        let reopened = try LogStore(directory: dir.path, options: options)
        #expect(reopened.recoveryReport.truncation == nil)
        #expect(try reopened.entries(from: LogIndex(1), to: LogIndex(201)) == written)
        #expect(try reopened.entries(from: LogIndex(77), to: LogIndex(80)) == Array(written[76..<79]))
        #expect(try reopened.term(at: LogIndex(100)) == Term(1))
    }

    @Test("the writer thread is named herald-log, so top -H and perf can tell it apart")
    func writerThreadIsNamed() async throws {
        let dir = TemporaryDirectory()
        let store = try LogStore(directory: dir.path)
        // The writer names itself before it takes its first write, so once an append is
        // durable the name is set.
        try await store.append(makeEntries(1...1, size: 10))
        let tasks = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")
        let names = tasks.compactMap { try? String(contentsOfFile: "/proc/self/task/\($0)/comm", encoding: .utf8) }
        #expect(names.contains { $0.trimmingCharacters(in: .whitespacesAndNewlines) == "herald-log" })
        await store.close()
    }

    @Test("large compressible payloads are stored LZ4-compressed and read back intact")
    func compression() async throws {
        let dir = TemporaryDirectory()
        let store = try LogStore(directory: dir.path, options: LogStoreOptions(compressionThreshold: 1024))
        let big = Entry(term: Term(2), index: LogIndex(1), data: [UInt8](repeating: 42, count: 100_000))
        let random = Entry(term: Term(2), index: LogIndex(2), data: (0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 7) })
        try await store.append([big, random])
        #expect(try store.entries(from: LogIndex(1), to: LogIndex(3)) == [big, random])
        await store.close()
        #expect(fileBytes(dir.file(segmentName(1))).count < 20_000)
    }

    @Test("an append at an earlier index replaces the suffix, even across segments")
    func suffixTruncation() async throws {
        let dir = TemporaryDirectory()
        let options = LogStoreOptions(segmentBytes: 600)
        let store = try LogStore(directory: dir.path, options: options)
        try await store.append(makeEntries(1...40, term: 1))
        let replacement = makeEntries(12...15, term: 2, size: 33)
        try await store.append(replacement)
        #expect(store.lastIndex == LogIndex(15))
        let expected = Array(makeEntries(1...11, term: 1)) + replacement
        #expect(try store.entries(from: LogIndex(1), to: LogIndex(16)) == expected)
        await store.close()
        let reopened = try LogStore(directory: dir.path, options: options)
        #expect(try reopened.entries(from: LogIndex(1), to: LogIndex(16)) == expected)
        #expect(reopened.lastIndex == LogIndex(15))
    }

    @Test("appends that leave a gap or touch the snapshot are refused with typed errors")
    func refusals() async throws {
        let dir = TemporaryDirectory()
        let store = try LogStore(directory: dir.path)
        try await store.append(makeEntries(1...5))
        await #expect(throws: LogStoreError.nonContiguous(first: LogIndex(7), lastIndex: LogIndex(5))) {
            try await store.append(makeEntries(7...8))
        }
        try await store.compact(through: SnapshotMetadata(index: LogIndex(3), term: Term(1), membership: Membership(voters: [NodeID(1)])))
        await #expect(throws: LogStoreError.compacted(requested: LogIndex(2), firstIndex: LogIndex(4))) {
            try await store.append(makeEntries(2...2))
        }
        #expect(throws: LogStoreError.compacted(requested: LogIndex(3), firstIndex: LogIndex(4))) {
            try store.entries(from: LogIndex(3), to: LogIndex(5))
        }
        #expect(throws: LogStoreError.unavailable(requested: LogIndex(6), lastIndex: LogIndex(5))) {
            try store.entries(from: LogIndex(4), to: LogIndex(7))
        }
        #expect(try store.term(at: LogIndex(3)) == Term(1))
        await store.close()
        await #expect(throws: LogStoreError.closed) { try await store.append(makeEntries(6...6)) }
    }

    @Test("an entry too large for a record is refused before anything is written; the store goes on")
    func oversizedRecordRefused() async throws {
        let dir = TemporaryDirectory()
        // Incompressible below the compression threshold, so the record is the entry's
        // 17-byte header plus its data.
        let options = LogStoreOptions(maxRecordBytes: 1_000)
        // What a Raft core must cap its entries at (heraldd passes it on).
        #expect(options.maxEntryDataBytes == 983)
        let store = try LogStore(directory: dir.path, options: options)
        try await store.append(makeEntries(1...2, size: options.maxEntryDataBytes))
        let tooLarge = LogStoreError.recordTooLarge(index: LogIndex(4), bytes: 1_001, limit: 1_000)
        await #expect(throws: tooLarge) {
            try await store.append(makeEntries(3...3, size: 983) + makeEntries(4...4, size: 984))
        }
        await #expect(throws: tooLarge) {
            try await appendOnCallingThreadWhenFree(makeEntries(3...3) + makeEntries(4...4, size: 984), to: store)
        }
        // Nothing of the refused appends was written, and the store takes the next one.
        #expect(store.lastIndex == LogIndex(2))
        try await store.append(makeEntries(3...4))
        await store.close()

        let reopened = try LogStore(directory: dir.path, options: options)
        #expect(try reopened.entries(from: LogIndex(1), to: LogIndex(5)) == makeEntries(1...2, size: 983) + makeEntries(3...4))
        await reopened.close()
    }

    @Test("reads stop at the byte cap but always return at least one entry")
    func byteCap() async throws {
        let dir = TemporaryDirectory()
        let store = try LogStore(directory: dir.path, options: LogStoreOptions(segmentBytes: 2000))
        try await store.append(makeEntries(1...50, size: 100))
        let capped = try store.entries(from: LogIndex(1), to: LogIndex(51), maxBytes: 1000)
        #expect(capped.count == 7)
        #expect(capped == Array(makeEntries(1...7, size: 100)))
        #expect(try store.entries(from: LogIndex(10), to: LogIndex(51), maxBytes: 1).count == 1)
    }

    @Test("compaction deletes whole segments, remembers the snapshot and survives reopening")
    func compaction() async throws {
        let dir = TemporaryDirectory()
        let options = LogStoreOptions(segmentBytes: 1000)
        let store = try LogStore(directory: dir.path, options: options)
        try await store.append(makeEntries(1...100, size: 100))
        let before = segmentFiles(in: dir.path).count
        let snapshot = SnapshotMetadata(index: LogIndex(60), term: Term(1), membership: Membership(voters: [NodeID(1), NodeID(2)], learners: [NodeID(3)]))
        try await store.compact(through: snapshot)
        #expect(segmentFiles(in: dir.path).count < before)
        #expect(store.firstIndex == LogIndex(61))
        #expect(try store.entries(from: LogIndex(61), to: LogIndex(101)) == Array(makeEntries(61...100, size: 100)))
        await store.close()
        let reopened = try LogStore(directory: dir.path, options: options)
        let recovered = try reopened.recover()
        #expect(recovered.snapshot == snapshot)
        #expect(recovered.entries == Array(makeEntries(61...100, size: 100)))
        #expect(recovered.hardState.commit >= LogIndex(60))
        let restored = recovered.restoredState(initialMembership: Membership(voters: [NodeID(1)]))
        #expect(restored.snapshot?.metadata == snapshot)
    }

    @Test("compacted segments are deleted in the background; one a crash left behind goes at reopen")
    func compactedSegmentsAreDeleted() async throws {
        let dir = TemporaryDirectory()
        let options = LogStoreOptions(segmentBytes: 1000)
        let store = try LogStore(directory: dir.path, options: options)
        try await store.append(makeEntries(1...100, size: 100))
        try await store.compact(through: SnapshotMetadata(index: LogIndex(60), term: Term(1), membership: Membership(voters: [NodeID(1)])))
        func leftovers() -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).filter { $0.hasPrefix("deleted-") }
        }
        let deadline = ContinuousClock.now + .seconds(10)
        while !leftovers().isEmpty && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(leftovers().isEmpty)
        await store.close()
        // A crash between the rename and the deletion leaves a file like this one.
        _ = FileManager.default.createFile(atPath: dir.path + "/deleted-segment-00000000000000000001.log", contents: Data([1, 2, 3]))
        let reopened = try LogStore(directory: dir.path, options: options)
        #expect(leftovers().isEmpty)
        #expect(try reopened.recover().entries == Array(makeEntries(61...100, size: 100)))
    }

    @Test("a snapshot the log does not match discards the whole log")
    func snapshotAheadOfLog() async throws {
        let dir = TemporaryDirectory()
        let store = try LogStore(directory: dir.path, options: LogStoreOptions(segmentBytes: 500))
        try await store.append(makeEntries(1...20))
        try await store.compact(through: SnapshotMetadata(index: LogIndex(50), term: Term(3), membership: Membership(voters: [NodeID(1)])))
        #expect(store.lastIndex == LogIndex(50))
        #expect(segmentFiles(in: dir.path).isEmpty)
        try await store.append(makeEntries(51...52, term: 3))
        await store.close()
        let reopened = try LogStore(directory: dir.path)
        #expect(reopened.firstIndex == LogIndex(51))
        #expect(try reopened.entries(from: LogIndex(51), to: LogIndex(53)) == makeEntries(51...52, term: 3))
    }

    @Test("hard state survives reopening; commit rides in the log")
    func hardStatePersistence() async throws {
        let dir = TemporaryDirectory()
        do {
            let store = try LogStore(directory: dir.path)
            try await store.append(makeEntries(1...10), hardState: HardState(term: Term(4), vote: NodeID(2), commit: LogIndex(3)))
            try await store.append(makeEntries(11...12), hardState: HardState(term: Term(4), vote: NodeID(2), commit: LogIndex(9)))
            await store.close()
        }
        let reopened = try LogStore(directory: dir.path)
        #expect(reopened.hardState == HardState(term: Term(4), vote: NodeID(2), commit: LogIndex(9)))
    }

    @Test("a commit-only hard state costs no fsync of its own and is synced with the next entries")
    func commitOnlyHardStateIsNotSyncedAlone() async throws {
        let dir = TemporaryDirectory()
        do {
            let store = try LogStore(directory: dir.path)
            try await store.append(makeEntries(1...10), hardState: HardState(term: Term(4), vote: NodeID(2), commit: LogIndex(3)))
            let synced = store.statistics.dataSyncs
            try await store.append([], hardState: HardState(term: Term(4), vote: NodeID(2), commit: LogIndex(10)))
            #expect(store.statistics.dataSyncs == synced)
            try await store.append(makeEntries(11...11), hardState: HardState(term: Term(4), vote: NodeID(2), commit: LogIndex(10)))
            #expect(store.statistics.dataSyncs == synced + 1)
            // A vote is never left unsynced.
            try await store.append([], hardState: HardState(term: Term(5), vote: NodeID(3), commit: LogIndex(10)))
            await store.close()
        }
        let reopened = try LogStore(directory: dir.path)
        #expect(reopened.hardState == HardState(term: Term(5), vote: NodeID(3), commit: LogIndex(10)))
        #expect(reopened.lastIndex == LogIndex(11))
    }

    @Test("concurrent writers are batched into shared fsyncs and all become durable")
    func concurrentWriters() async throws {
        let dir = TemporaryDirectory()
        let store = try LogStore(directory: dir.path, options: LogStoreOptions(segmentBytes: 64 << 10))
        let counter = IndexCounter()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<16 {
                group.addTask {
                    for _ in 0..<50 {
                        let pending = counter.submit(to: store)
                        try await pending.durable()
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(store.lastIndex == LogIndex(800))
        // Group commit: the 800 appends shared writer rounds and fsyncs.
        #expect(store.statistics.batches < 800)
        #expect(store.statistics.entriesAppended == 800)
        let all = try store.entries(from: LogIndex(1), to: LogIndex(801))
        #expect(all == makeEntries(1...800, size: 64))
    }
}

import Synchronization

/// Hands out indices and submits under one lock so disk order matches index order.
final class IndexCounter: Sendable {
    private let next = Mutex<UInt64>(1)
    func submit(to store: LogStore) -> PendingWrite {
        next.withLock { next in
            defer { next += 1 }
            return store.submit(makeEntries(next...next, size: 64))
        }
    }
}
