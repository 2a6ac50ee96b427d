import Foundation
@testable import LogStore
import RaftCore
import Synchronization
import Testing

/// What the log does when the disk refuses a write or a sync: the write is not
/// acknowledged, the store stops (no retried fsync can vouch for pages the kernel may
/// already have dropped), every later write fails with the same error, `close` still
/// returns, and a reopen finds exactly the entries that were acknowledged.
///
/// The failing disk is real: the open segment's descriptor is pointed at `/dev/full`
/// (every write fails with ENOSPC) or `/dev/null` (writes succeed, `fdatasync` fails)
/// with `dup2`, so only that one file of this process is affected.
@Suite("LogStore when the disk fails", .timeLimit(.minutes(1)))
struct DiskErrorTests {
    /// Points the open segment's descriptor at `device` from now on.
    private static func redirectOpenSegment(of store: LogStore, to device: String) throws {
        let segment = try #require(store.shared.mutex.withLock { $0.segments.last?.file.descriptor })
        let replacement = open(device, O_WRONLY)
        try #require(replacement >= 0, "open \(device): errno \(errno)")
        defer { close(replacement) }
        try #require(dup2(replacement, segment) == segment, "dup2: errno \(errno)")
    }

    private static func isIOError(_ error: LogStoreError, operation: String, errno expected: Int32) -> Bool {
        if case .io(operation, _, expected) = error { return true }
        return false
    }

    /// Reopens `directory` and checks that it holds exactly `1...last` as written.
    private static func expectRecovered(_ directory: String, through last: UInt64) async throws {
        let reopened = try LogStore(directory: directory)
        #expect(reopened.lastIndex == LogIndex(last))
        #expect(try reopened.entries(from: LogIndex(1), to: LogIndex(last + 1)) == makeEntries(1...last))
        await reopened.close()
    }

    @Test("a write the disk refuses (ENOSPC) fails its append and every later write; the writer thread ends on close; nothing acknowledged is lost")
    func writeRefused() async throws {
        let dir = TemporaryDirectory("disk-full")
        let store = try LogStore(directory: dir.path)
        try await store.append(makeEntries(1...20))
        try Self.redirectOpenSegment(of: store, to: "/dev/full")

        var failure: LogStoreError?
        do { try await store.append(makeEntries(21...25)) } catch { failure = error }
        let refused = try #require(failure)
        #expect(Self.isIOError(refused, operation: "pwrite", errno: ENOSPC), "got \(refused)")
        // Stopped: the next writes fail with the same error, through either path, and a
        // hard state is not recorded either.
        await #expect(throws: refused) { try await store.append(makeEntries(21...21)) }
        await #expect(throws: refused) { try await appendOnCallingThreadWhenFree(makeEntries(21...21), to: store) }
        await #expect(throws: refused) { try await store.save(HardState(term: Term(2), vote: nil, commit: LogIndex(20))) }
        // The close is taken even though the store failed: the writer thread ends.
        await store.close()
        #expect(try await eventually { store.writerThreadExited })

        try await Self.expectRecovered(dir.path, through: 20)
    }

    @Test("a sync the disk refuses fails the append made on the calling thread; the store stops; nothing acknowledged is lost")
    func syncRefused() async throws {
        let dir = TemporaryDirectory("sync-refused")
        let store = try LogStore(directory: dir.path)
        try await appendOnCallingThreadWhenFree(makeEntries(1...20), to: store)
        try Self.redirectOpenSegment(of: store, to: "/dev/null")

        var failure: LogStoreError?
        do { try await appendOnCallingThreadWhenFree(makeEntries(21...25), to: store) } catch let error as LogStoreError { failure = error }
        let refused = try #require(failure)
        #expect(Self.isIOError(refused, operation: "fdatasync", errno: EINVAL), "got \(refused)")
        // Not retried: a later fsync could succeed without the lost pages being on disk.
        await #expect(throws: refused) { try await store.append(makeEntries(21...21)) }
        await #expect(throws: refused) { try await appendOnCallingThreadWhenFree(makeEntries(26...26), to: store) }
        await store.close()
        #expect(try await eventually { store.writerThreadExited })

        try await Self.expectRecovered(dir.path, through: 20)
    }
}
