import LogStore
import RaftCore
import Testing

/// ARCHITECTURE §8.6: cut and damage segment files, check recovery keeps exactly the
/// longest valid prefix and refuses damage it cannot explain.
@Suite("LogStore recovery")
struct RecoveryTests {
    /// Records of `size`-byte payloads (no compression) take `9 + 17 + size` bytes.
    static let payload = 486
    static let recordBytes = 9 + 17 + payload   // 512
    static let options = LogStoreOptions(segmentBytes: 16 * 512, compressionThreshold: .max)

    /// Builds a log of two segments: 16 sealed records in segment 1, `tail` in segment 17.
    private func buildLog(tail: Int) async throws -> TemporaryDirectory {
        let dir = TemporaryDirectory("recovery")
        let store = try LogStore(directory: dir.path, options: Self.options)
        try await store.append(makeEntries(1...UInt64(16 + tail), size: Self.payload))
        await store.close()
        #expect(segmentFiles(in: dir.path) == [segmentName(1), segmentName(17)])
        return dir
    }

    @Test("cutting the last segment at every byte offset keeps exactly the whole records before the cut")
    func cutAtEveryOffset() async throws {
        let dir = try await buildLog(tail: 3)
        let lastPath = dir.file(segmentName(17))
        let original = fileBytes(lastPath)
        #expect(original.count == 3 * Self.recordBytes)
        for cut in 0...original.count {
            writeBytes(Array(original[0..<cut]), to: lastPath)
            let store = try LogStore(directory: dir.path, options: Self.options)
            let whole = cut / Self.recordBytes
            #expect(store.lastIndex == LogIndex(UInt64(16 + whole)), "cut at \(cut)")
            if cut % Self.recordBytes != 0 {
                #expect(store.recoveryReport.truncation?.offset == UInt64(whole * Self.recordBytes))
                #expect(store.recoveryReport.truncation?.damage == .tornRecord)
            } else {
                #expect(store.recoveryReport.truncation == nil)
            }
            if whole > 0 {
                #expect(try store.entries(from: LogIndex(17), to: LogIndex(UInt64(17 + whole))) == makeEntries(17...UInt64(16 + whole), size: Self.payload))
            }
            await store.close()
            #expect(fileBytes(lastPath).count == whole * Self.recordBytes)
        }
    }

    @Test("after a seeded cut the log accepts new appends where the valid prefix ends", arguments: [1, 2, 3, 4, 5] as [UInt64])
    func appendAfterCut(seed: UInt64) async throws {
        var generator = SeededGenerator(seed: seed)
        let dir = try await buildLog(tail: 8)
        let lastPath = dir.file(segmentName(17))
        let original = fileBytes(lastPath)
        let cut = Int.random(in: 0..<original.count, using: &generator)
        writeBytes(Array(original[0..<cut]), to: lastPath)
        let store = try LogStore(directory: dir.path, options: Self.options)
        let last = UInt64(16 + cut / Self.recordBytes)
        #expect(store.lastIndex == LogIndex(last))
        try await store.append(makeEntries((last + 1)...(last + 3), term: 2, size: 10))
        await store.close()
        let reopened = try LogStore(directory: dir.path, options: Self.options)
        #expect(reopened.recoveryReport.truncation == nil)
        #expect(try reopened.entries(from: LogIndex(1), to: LogIndex(last + 4))
                == makeEntries(1...last, size: Self.payload) + makeEntries((last + 1)...(last + 3), term: 2, size: 10))
    }

    @Test("a bit flip in a sealed segment makes open fail naming the file and offset")
    func bitFlipInSealedSegment() async throws {
        let dir = try await buildLog(tail: 3)
        let path = dir.file(segmentName(1))
        var bytes = fileBytes(path)
        bytes[4096 + 100] ^= 0x04
        writeBytes(bytes, to: path)
        let error = #expect(throws: LogStoreError.self) { try LogStore(directory: dir.path, options: Self.options) }
        #expect(error == .corrupt(segment: "segment-00000000000000000001.log", offset: 4096))
        #expect(error?.description == "segment-00000000000000000001.log: corrupt record at offset 4096")
    }

    @Test("seeded bit flips anywhere in a sealed segment are always refused", arguments: [11, 12, 13, 14, 15, 16, 17, 18] as [UInt64])
    func seededBitFlipsInSealedSegment(seed: UInt64) async throws {
        var generator = SeededGenerator(seed: seed)
        let dir = try await buildLog(tail: 2)
        let path = dir.file(segmentName(1))
        var bytes = fileBytes(path)
        let position = Int.random(in: 0..<bytes.count, using: &generator)
        bytes[position] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &generator)
        writeBytes(bytes, to: path)
        let record = UInt64(position / Self.recordBytes * Self.recordBytes)
        #expect(throws: LogStoreError.corrupt(segment: segmentName(1), offset: record)) {
            try LogStore(directory: dir.path, options: Self.options)
        }
    }

    @Test("a bit flip in the tail of the last segment is cut back to the last valid record and reported", arguments: [21, 22, 23, 24, 25] as [UInt64])
    func bitFlipInLastSegmentTail(seed: UInt64) async throws {
        var generator = SeededGenerator(seed: seed)
        let dir = try await buildLog(tail: 4)
        let path = dir.file(segmentName(17))
        var bytes = fileBytes(path)
        let position = Int.random(in: (3 * Self.recordBytes)..<bytes.count, using: &generator)
        bytes[position] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &generator)
        writeBytes(bytes, to: path)
        let store = try LogStore(directory: dir.path, options: Self.options)
        #expect(store.lastIndex == LogIndex(19))
        let cut = try #require(store.recoveryReport.truncation)
        #expect(cut.segment == segmentName(17))
        #expect(cut.offset == UInt64(3 * Self.recordBytes))
        #expect(cut.discardedBytes == UInt64(Self.recordBytes))
        #expect(store.recoveryReport.description.contains("cut \(segmentName(17)) at offset \(3 * Self.recordBytes)"))
        #expect(try store.entries(from: LogIndex(1), to: LogIndex(20)) == makeEntries(1...19, size: Self.payload))
    }

    @Test("a damaged hardstate file fails the open")
    func damagedHardState() async throws {
        let dir = TemporaryDirectory()
        do {
            let store = try LogStore(directory: dir.path)
            try await store.save(HardState(term: Term(3), vote: NodeID(1), commit: .zero))
            await store.close()
        }
        var bytes = fileBytes(dir.file("hardstate"))
        bytes[6] ^= 1
        writeBytes(bytes, to: dir.file("hardstate"))
        #expect(throws: LogStoreError.corruptMetadata(file: "hardstate")) { try LogStore(directory: dir.path) }
    }

    @Test("a missing middle segment is reported as a gap")
    func missingSegment() async throws {
        let dir = TemporaryDirectory()
        let options = LogStoreOptions(segmentBytes: 512 * 4, compressionThreshold: .max)
        do {
            let store = try LogStore(directory: dir.path, options: options)
            try await store.append(makeEntries(1...12, size: Self.payload))
            await store.close()
        }
        try FileManager.default.removeItem(atPath: dir.file(segmentName(5)))
        #expect(throws: LogStoreError.indexGap(segment: segmentName(9), firstIndex: LogIndex(9), expected: LogIndex(5))) {
            try LogStore(directory: dir.path, options: options)
        }
    }
}

import Foundation

@Suite("LogStore recovery around snapshots")
struct SnapshotRecoveryTests {
    /// Copies every segment file of `directory` aside, to put back later.
    private func saveSegments(_ directory: String) -> [String: [UInt8]] {
        Dictionary(uniqueKeysWithValues: segmentFiles(in: directory).map { ($0, fileBytes(directory + "/" + $0)) })
    }

    @Test("segments a snapshot covers are deleted on open if a crash left them behind")
    func leftoverCoveredSegments() async throws {
        let dir = TemporaryDirectory()
        let options = LogStoreOptions(segmentBytes: 1000)
        let store = try LogStore(directory: dir.path, options: options)
        try await store.append(makeEntries(1...60, size: 100))
        let saved = saveSegments(dir.path)
        try await store.compact(through: SnapshotMetadata(index: LogIndex(40), term: Term(1), membership: Membership(voters: [NodeID(1)])))
        await store.close()
        // Crash between writing snapshot.meta and deleting the segments: put them back.
        for (name, bytes) in saved { writeBytes(bytes, to: dir.file(name)) }
        let reopened = try LogStore(directory: dir.path, options: options)
        #expect(!reopened.recoveryReport.removedSegments.isEmpty)
        #expect(reopened.firstIndex == LogIndex(41))
        #expect(try reopened.entries(from: LogIndex(41), to: LogIndex(61)) == makeEntries(41...60, size: 100))
        #expect(segmentFiles(in: dir.path).count < saved.count)
    }

    @Test("a log that conflicts with the recorded snapshot is discarded on open")
    func conflictingLogDiscarded() async throws {
        let dir = TemporaryDirectory()
        let options = LogStoreOptions(segmentBytes: 1000)
        let store = try LogStore(directory: dir.path, options: options)
        try await store.append(makeEntries(1...30, term: 1, size: 100))
        let saved = saveSegments(dir.path)
        // A leader's snapshot at index 20 of term 5: our entry 20 has term 1, so the whole log goes.
        try await store.compact(through: SnapshotMetadata(index: LogIndex(20), term: Term(5), membership: Membership(voters: [NodeID(1)])))
        await store.close()
        for (name, bytes) in saved { writeBytes(bytes, to: dir.file(name)) }
        let reopened = try LogStore(directory: dir.path, options: options)
        #expect(reopened.lastIndex == LogIndex(20))
        #expect(reopened.firstIndex == LogIndex(21))
        #expect(segmentFiles(in: dir.path).isEmpty)
        try await reopened.append(makeEntries(21...22, term: 5))
        #expect(try reopened.term(at: LogIndex(20)) == Term(5))
    }

    @Test("readers running during appends and suffix truncations never see corrupt or mixed data")
    func readersDuringWrites() async throws {
        let dir = TemporaryDirectory()
        let store = try LogStore(directory: dir.path, options: LogStoreOptions(segmentBytes: 4096))
        try await store.append(makeEntries(1...50, term: 1))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for round in 0..<40 {
                    let term = UInt64(round + 2)
                    try await store.append(makeEntries(26...60, term: term))  // replaces 26... every round
                }
            }
            for _ in 0..<2 {
                group.addTask {
                    for _ in 0..<300 {
                        // The stable prefix 1...25 is never truncated: it must always read back intact.
                        let prefix = try store.entries(from: LogIndex(1), to: LogIndex(26))
                        #expect(prefix == makeEntries(1...25, term: 1))
                        // The moving suffix may be refused as unavailable, but never be corrupt or mixed.
                        do {
                            let suffix = try store.entries(from: LogIndex(26), to: LogIndex(51))
                            #expect(suffix.allSatisfy { $0.term == suffix[0].term }, "mixed terms in one read")
                        } catch LogStoreError.unavailable {
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
    }
}
