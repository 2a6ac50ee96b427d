import Foundation
@testable import LogStore
import RaftCore
import Synchronization
import Testing

/// `appendOnCallingThread`: a round of writes done on the caller's thread instead of
/// the writer thread, and its refusal when writes are queued ahead of it.
@Suite("LogStore appends on the calling thread", .timeLimit(.minutes(1)))
struct CallingThreadAppendTests {
    private static func succeeded(_ outcome: Result<Void, LogStoreError>?) -> Bool {
        if case .success = outcome { return true }
        return false
    }

    /// A writer over the (recovered) log in `directory` whose thread is not started.
    private static func unstartedWriter(in directory: String) throws -> LogWriter {
        let (state, _) = try LogRecovery(directory: directory, options: LogStoreOptions()).run()
        return LogWriter(directory: directory, options: LogStoreOptions(), shared: LockedLogState(state))
    }

    /// An append of `range` (100-byte entries) completing `ticket`.
    private static func append(_ range: ClosedRange<UInt64>, _ ticket: DurabilityTicket) -> LogWrite {
        .append(EncodedEntries(makeEntries(range), compressionThreshold: .max), hardState: nil, ticket: ticket)
    }

    @Test("an append on the calling thread is durable when it returns and survives a reopen")
    func appendIsDurable() async throws {
        let dir = TemporaryDirectory("inline")
        let store = try LogStore(directory: dir.path)
        let hardState = HardState(term: Term(3), vote: NodeID(2), commit: LogIndex(4))
        let syncsBefore = store.statistics.dataSyncs
        try await appendOnCallingThreadWhenFree(makeEntries(1...5, term: 3), hardState: hardState, to: store)
        // Synced before returning, on this thread: the counters already show it.
        #expect(store.lastIndex == LogIndex(5))
        #expect(store.statistics.dataSyncs == syncsBefore + 1)
        #expect(store.statistics.entriesAppended == 5)
        // Mixed with appends through the writer thread, the order of the calls holds.
        try await store.append(makeEntries(6...8, term: 3))
        // (Right after an awaited write its round may still hold the lock for a moment.)
        try await appendOnCallingThreadWhenFree(makeEntries(9...9, term: 3), to: store)
        #expect(try store.entries(from: LogIndex(1), to: LogIndex(10)) == makeEntries(1...9, term: 3))

        await store.close()
        let reopened = try LogStore(directory: dir.path)
        #expect(try reopened.entries(from: LogIndex(1), to: LogIndex(10)) == makeEntries(1...9, term: 3))
        #expect(reopened.hardState.term == Term(3))
        #expect(reopened.hardState.vote == NodeID(2))
        await reopened.close()
    }

    @Test("a refused append throws as append does and the store goes on")
    func refusalThrows() async throws {
        let dir = TemporaryDirectory("inline")
        let store = try LogStore(directory: dir.path)
        try await appendOnCallingThreadWhenFree(makeEntries(1...3), to: store)
        await #expect(throws: LogStoreError.nonContiguous(first: LogIndex(5), lastIndex: LogIndex(3))) {
            try await appendOnCallingThreadWhenFree(makeEntries(5...6), to: store)
        }
        try await appendOnCallingThreadWhenFree(makeEntries(4...6), to: store)
        #expect(store.lastIndex == LogIndex(6))
        await store.close()
        #expect(throws: LogStoreError.closed) {
            try store.appendOnCallingThread(makeEntries(7...7))
        }
    }

    @Test("with a write queued ahead, nothing is done on the calling thread; the queued write goes first")
    func queuedWriteGoesFirst() async throws {
        let dir = TemporaryDirectory("inline")
        // The writer thread is not started yet, so the queued write stays queued.
        let writer = try Self.unstartedWriter(in: dir.path)
        let queued = DurabilityTicket()
        writer.queue.push(Self.append(1...2, queued))
        let behind = DurabilityTicket()
        let performed = writer.performOnCallingThread(Self.append(3...3, behind))
        #expect(!performed)
        #expect(behind.outcome == nil)

        writer.start()
        #expect(Self.succeeded(await queued.wait()))
        let after = DurabilityTicket()
        #expect(writer.performOnCallingThread(Self.append(3...3, after)))
        #expect(Self.succeeded(after.outcome))
        let closed = DurabilityTicket()
        writer.queue.push(.close(ticket: closed))
        #expect(Self.succeeded(await closed.wait()))

        let reopened = try LogStore(directory: dir.path)
        #expect(try reopened.entries(from: LogIndex(1), to: LogIndex(4)) == makeEntries(1...3))
        await reopened.close()
    }

    @Test("a close done in a round on the calling thread closes the queue and ends the writer thread's wait")
    func closeOnCallingThread() async throws {
        let dir = TemporaryDirectory("inline")
        let writer = try Self.unstartedWriter(in: dir.path)
        writer.start()
        let appended = DurabilityTicket()
        #expect(writer.performOnCallingThread(Self.append(1...2, appended)))
        #expect(Self.succeeded(appended.outcome))
        let closed = DurabilityTicket()
        #expect(writer.performOnCallingThread(.close(ticket: closed)))
        #expect(Self.succeeded(closed.outcome))
        // The queue is closed: nothing more reaches the writer thread, which has left
        // its wait (`waitForItems` answers false at once instead of blocking).
        #expect(!writer.queue.push(.close(ticket: DurabilityTicket())))
        // The writer thread, waiting for work, was woken by the close and has ended.
        #expect(try await eventually { writer.exited.load(ordering: .acquiring) })
        let late = DurabilityTicket()
        #expect(writer.performOnCallingThread(Self.append(3...3, late)))
        #expect(late.outcome.map { if case .failure(.closed) = $0 { true } else { false } } == true)

        let reopened = try LogStore(directory: dir.path)
        #expect(try reopened.entries(from: LogIndex(1), to: LogIndex(3)) == makeEntries(1...2))
        await reopened.close()
    }

    @Test("appends on the calling thread and through the writer thread, concurrently, share the log safely")
    func concurrentRounds() async throws {
        let dir = TemporaryDirectory("inline")
        let store = try LogStore(directory: dir.path)
        // One caller appends entries on its own thread while another task saves hard
        // states that move only the commit index through the writer thread: each adds a
        // commit record to the open segment, so two rounds at once would garble it.
        try await appendOnCallingThreadWhenFree(makeEntries(1...4, size: 300), to: store)
        let saver = Task {
            for step in 1...200 {
                try await store.save(HardState(term: Term(1), commit: LogIndex(UInt64(1 + step % 3))))
            }
        }
        var index: UInt64 = 5
        while index <= 400 {
            let batch = makeEntries(index...index + 3, size: 300)
            if try !store.appendOnCallingThread(batch) { try await store.append(batch) }
            index += 4
        }
        try await saver.value
        #expect(try store.entries(from: LogIndex(1), to: LogIndex(401)) == makeEntries(1...400, size: 300))
        await store.close()
        let reopened = try LogStore(directory: dir.path)
        #expect(reopened.recoveryReport.truncation == nil)
        #expect(reopened.lastIndex == LogIndex(400))
        #expect(reopened.hardState.commit == LogIndex(1 + 200 % 3))
        #expect(try reopened.entries(from: LogIndex(1), to: LogIndex(401)) == makeEntries(1...400, size: 300))
        await reopened.close()
    }
}
