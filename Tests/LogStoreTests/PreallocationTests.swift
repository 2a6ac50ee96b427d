import Foundation
@testable import LogStore
import RaftCore
import Testing

/// Segments made ahead of time as zero-filled files (`SegmentPreparer`): the writer
/// renames them into place, cuts their unused tail when it seals or closes them, and
/// recovery reads a zero tail left by a crash as the clean end of the log.
@Suite("LogStore preallocated segments")
struct PreallocationTests {
    /// Records of 486-byte payloads (no compression) take 512 bytes; segments hold 20.
    static let payload = 486
    static let recordBytes = 512
    static let segmentBytes = 20 * 512
    static let options = LogStoreOptions(segmentBytes: segmentBytes, compressionThreshold: .max)

    private func fileSize(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? -1
    }

    private func spareFiles(in directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasPrefix(SegmentPreparer.sparePrefix) }
    }

    /// Waits (up to 10 s) until the store has a spare segment ready.
    private func waitForSpare(_ store: LogStore) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while !store.spareSegmentReady {
            guard ContinuousClock.now < deadline else {
                Issue.record("no spare segment within 10 s")
                return
            }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    /// A log of `count` entries in one segment, closed (so it holds exactly its records).
    private func closedLog(entries count: UInt64) async throws -> TemporaryDirectory {
        let dir = TemporaryDirectory("prealloc")
        let store = try LogStore(directory: dir.path, options: Self.options)
        try await store.append(makeEntries(1...count, size: Self.payload))
        await store.close()
        #expect(fileSize(dir.file(segmentName(1))) == Int(count) * Self.recordBytes)
        return dir
    }

    @Test("once a segment is half full the next is made ahead; sealing and closing cut a segment to its records")
    func spareBecomesSegment() async throws {
        let dir = TemporaryDirectory("prealloc")
        let store = try LogStore(directory: dir.path, options: Self.options)
        try await store.append(makeEntries(1...9, size: Self.payload))
        #expect(store.spareSegmentRequests == 0)
        try await store.append(makeEntries(10...10, size: Self.payload))
        #expect(fileSize(dir.file(segmentName(1))) == 10 * Self.recordBytes)
        // Half of the segment is written: the spare is asked for, once.
        #expect(store.spareSegmentRequests == 1)
        try await waitForSpare(store)
        #expect(spareFiles(in: dir.path).count == 1)
        try await store.append(makeEntries(11...25, size: Self.payload))
        #expect(store.statistics.preallocatedSegments == 1)
        #expect(segmentFiles(in: dir.path) == [segmentName(1), segmentName(21)])
        #expect(fileSize(dir.file(segmentName(1))) == 20 * Self.recordBytes)
        #expect(fileSize(dir.file(segmentName(21))) == Self.segmentBytes)
        #expect(spareFiles(in: dir.path).isEmpty)

        await store.close()
        #expect(fileSize(dir.file(segmentName(21))) == 5 * Self.recordBytes)
        #expect(spareFiles(in: dir.path).isEmpty)
        let reopened = try LogStore(directory: dir.path, options: Self.options)
        #expect(reopened.recoveryReport.truncation == nil)
        #expect(try reopened.entries(from: LogIndex(1), to: LogIndex(26)) == makeEntries(1...25, size: Self.payload))
        await reopened.close()
    }

    @Test("a spare the disk refuses is counted, and the log rolls to a plain segment without losing an entry")
    func refusedSpareIsCounted() async throws {
        let dir = TemporaryDirectory("prealloc")
        let store = try LogStore(directory: dir.path, options: Self.options)
        // A directory where the first spare's file would go: creating it fails (EISDIR),
        // as a full or read-only disk would make it fail.
        try FileManager.default.createDirectory(atPath: dir.file(SegmentPreparer.sparePrefix + "1.tmp"),
                                                withIntermediateDirectories: false)
        try await store.append(makeEntries(1...10, size: Self.payload))
        #expect(store.spareSegmentRequests == 1)
        _ = try await eventually { store.statistics.preallocationFailures != 0 }
        #expect(store.statistics.preallocationFailures == 1)
        #expect(!store.spareSegmentReady)
        try await store.append(makeEntries(11...25, size: Self.payload))
        #expect(store.statistics.preallocatedSegments == 0)
        #expect(fileSize(dir.file(segmentName(21))) == 5 * Self.recordBytes)
        await store.close()
        try FileManager.default.removeItem(atPath: dir.file(SegmentPreparer.sparePrefix + "1.tmp"))
        let reopened = try LogStore(directory: dir.path, options: Self.options)
        #expect(try reopened.entries(from: LogIndex(1), to: LogIndex(26)) == makeEntries(1...25, size: Self.payload))
        await reopened.close()
    }

    @Test("without preallocation segments start empty and no spare is made")
    func preallocationOff() async throws {
        let dir = TemporaryDirectory("prealloc")
        var options = Self.options
        options.preallocateSegments = false
        let store = try LogStore(directory: dir.path, options: options)
        try await store.append(makeEntries(1...25, size: Self.payload))
        #expect(store.statistics.preallocatedSegments == 0)
        #expect(store.spareSegmentRequests == 0)
        #expect(fileSize(dir.file(segmentName(21))) == 5 * Self.recordBytes)
        #expect(spareFiles(in: dir.path).isEmpty)
        await store.close()
    }

    @Test("recovery reads a zero tail as the clean end: nothing cut, nothing reported, appends go after the records")
    func zeroTailIsCleanEnd() async throws {
        let dir = try await closedLog(entries: 5)
        let path = dir.file(segmentName(1))
        writeBytes(fileBytes(path) + [UInt8](repeating: 0, count: 4096), to: path)
        let store = try LogStore(directory: dir.path, options: Self.options)
        #expect(store.recoveryReport.truncation == nil)
        #expect(store.lastIndex == LogIndex(5))
        #expect(fileSize(path) == 5 * Self.recordBytes + 4096)
        try await store.append(makeEntries(6...8, size: Self.payload))
        await store.close()
        #expect(fileSize(path) == 8 * Self.recordBytes)
        let reopened = try LogStore(directory: dir.path, options: Self.options)
        #expect(reopened.recoveryReport.truncation == nil)
        #expect(try reopened.entries(from: LogIndex(1), to: LogIndex(9)) == makeEntries(1...8, size: Self.payload))
        await reopened.close()
    }

    @Test("a torn record before the zeros is cut off with them and reported")
    func tornRecordBeforeZeros() async throws {
        let dir = try await closedLog(entries: 5)
        let path = dir.file(segmentName(1))
        let bytes = fileBytes(path)
        let torn = Array(bytes[(4 * Self.recordBytes)..<(4 * Self.recordBytes + 300)])
        writeBytes(bytes + torn + [UInt8](repeating: 0, count: 4096), to: path)
        let store = try LogStore(directory: dir.path, options: Self.options)
        #expect(store.recoveryReport.truncation?.offset == UInt64(5 * Self.recordBytes))
        #expect(store.recoveryReport.truncation?.discardedBytes == UInt64(300 + 4096))
        #expect(store.lastIndex == LogIndex(5))
        #expect(fileSize(path) == 5 * Self.recordBytes)
        await store.close()
    }

    @Test("bytes after the zeros are damage: the log is cut where the records end")
    func bytesAfterZerosAreDamage() async throws {
        let dir = try await closedLog(entries: 5)
        let path = dir.file(segmentName(1))
        writeBytes(fileBytes(path) + [UInt8](repeating: 0, count: 4096) + [7, 7, 7], to: path)
        let store = try LogStore(directory: dir.path, options: Self.options)
        #expect(store.recoveryReport.truncation?.offset == UInt64(5 * Self.recordBytes))
        #expect(store.recoveryReport.truncation?.discardedBytes == UInt64(4096 + 3))
        #expect(store.lastIndex == LogIndex(5))
        await store.close()
    }
}
