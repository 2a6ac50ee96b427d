import Foundation
@testable import LogStore
import RaftCore
import Testing

/// `appendOnCallingThread`: a round of writes done on the caller's thread instead of
/// the writer thread, and its refusal when writes are queued ahead of it.
@Suite("LogStore appends on the calling thread")
struct CallingThreadAppendTests {
    private static func succeeded(_ outcome: Result<Void, LogStoreError>?) -> Bool {
        if case .success = outcome { return true }
        return false
    }

    @Test("an append on the calling thread is durable when it returns and survives a reopen")
    func appendIsDurable() async throws {
        let dir = TemporaryDirectory("inline")
        let store = try LogStore(directory: dir.path)
        let hardState = HardState(term: Term(3), vote: NodeID(2), commit: LogIndex(4))
        let syncsBefore = store.statistics.dataSyncs
        #expect(try store.appendOnCallingThread(makeEntries(1...5, term: 3), hardState: hardState))
        // Synced before returning, on this thread: the counters already show it.
        #expect(store.lastIndex == LogIndex(5))
        #expect(store.statistics.dataSyncs == syncsBefore + 1)
        #expect(store.statistics.entriesAppended == 5)
        // Mixed with appends through the writer thread, the order of the calls holds.
        try await store.append(makeEntries(6...8, term: 3))
        #expect(try store.appendOnCallingThread(makeEntries(9...9, term: 3)))
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
        #expect(try store.appendOnCallingThread(makeEntries(1...3)))
        #expect(throws: LogStoreError.nonContiguous(first: LogIndex(5), lastIndex: LogIndex(3))) {
            try store.appendOnCallingThread(makeEntries(5...6))
        }
        #expect(try store.appendOnCallingThread(makeEntries(4...6)))
        #expect(store.lastIndex == LogIndex(6))
        await store.close()
        #expect(throws: LogStoreError.closed) {
            try store.appendOnCallingThread(makeEntries(7...7))
        }
    }

    @Test("with a write queued ahead, nothing is done on the calling thread; the queued write goes first")
    func queuedWriteGoesFirst() async throws {
        let dir = TemporaryDirectory("inline")
        let options = LogStoreOptions()
        let (state, _) = try LogRecovery(directory: dir.path, options: options).run()
        // The writer thread is not started yet, so the queued write stays queued.
        let writer = LogWriter(directory: dir.path, options: options, shared: LockedLogState(state))
        let queued = DurabilityTicket()
        writer.queue.push(.append(EncodedEntries(makeEntries(1...2), compressionThreshold: .max), hardState: nil, ticket: queued))
        let behind = DurabilityTicket()
        let performed = writer.performOnCallingThread(
            .append(EncodedEntries(makeEntries(3...3), compressionThreshold: .max), hardState: nil, ticket: behind))
        #expect(!performed)
        #expect(behind.outcome == nil)

        writer.start()
        #expect(Self.succeeded(await queued.wait()))
        let after = DurabilityTicket()
        #expect(writer.performOnCallingThread(
            .append(EncodedEntries(makeEntries(3...3), compressionThreshold: .max), hardState: nil, ticket: after)))
        #expect(Self.succeeded(after.outcome))
        let closed = DurabilityTicket()
        writer.queue.push(.close(ticket: closed))
        #expect(Self.succeeded(await closed.wait()))

        let reopened = try LogStore(directory: dir.path, options: options)
        #expect(try reopened.entries(from: LogIndex(1), to: LogIndex(4)) == makeEntries(1...3))
        await reopened.close()
    }

    @Test("a close done in a round on the calling thread closes the queue and ends the writer thread's wait")
    func closeOnCallingThread() async throws {
        let dir = TemporaryDirectory("inline")
        let options = LogStoreOptions()
        let (state, _) = try LogRecovery(directory: dir.path, options: options).run()
        let writer = LogWriter(directory: dir.path, options: options, shared: LockedLogState(state))
        writer.start()
        let appended = DurabilityTicket()
        #expect(writer.performOnCallingThread(
            .append(EncodedEntries(makeEntries(1...2), compressionThreshold: .max), hardState: nil, ticket: appended)))
        #expect(Self.succeeded(appended.outcome))
        let closed = DurabilityTicket()
        #expect(writer.performOnCallingThread(.close(ticket: closed)))
        #expect(Self.succeeded(closed.outcome))
        // The queue is closed: nothing more reaches the writer thread, which has left
        // its wait (`waitForItems` answers false at once instead of blocking).
        let pushed = writer.queue.push(.close(ticket: DurabilityTicket()))
        #expect(!pushed)
        // NB: only when the queue refused the push, or this would wait forever.
        if !pushed { #expect(!writer.queue.waitForItems()) }
        let late = DurabilityTicket()
        #expect(writer.performOnCallingThread(
            .append(EncodedEntries(makeEntries(3...3), compressionThreshold: .max), hardState: nil, ticket: late)))
        #expect(late.outcome.map { if case .failure(.closed) = $0 { true } else { false } } == true)

        let reopened = try LogStore(directory: dir.path, options: options)
        #expect(try reopened.entries(from: LogIndex(1), to: LogIndex(3)) == makeEntries(1...2))
        await reopened.close()
    }

    @Test("appends on the calling thread and through the writer thread, concurrently, share the log safely")
    func concurrentRounds() async throws {
        let dir = TemporaryDirectory("inline")
        let store = try LogStore(directory: dir.path)
        // One caller appends entries on its own thread while another task saves hard
        // states (new terms: a file replaced each time) through the writer thread:
        // rounds must never interleave.
        let saver = Task {
            for term in 1...100 {
                try await store.save(HardState(term: Term(UInt64(term))))
            }
        }
        var index: UInt64 = 1
        while index <= 400 {
            let batch = makeEntries(index...index + 3, size: 300)
            if try !store.appendOnCallingThread(batch) { try await store.append(batch) }
            index += 4
        }
        try await saver.value
        #expect(try store.entries(from: LogIndex(1), to: LogIndex(401)) == makeEntries(1...400, size: 300))
        await store.close()
        let reopened = try LogStore(directory: dir.path)
        #expect(reopened.lastIndex == LogIndex(400))
        #expect(reopened.hardState.term == Term(100))
        #expect(try reopened.entries(from: LogIndex(1), to: LogIndex(401)) == makeEntries(1...400, size: 300))
        await reopened.close()
    }
}
