import NIOCore
import Synchronization

/// Keeps at most `limit` requests in flight on one connection, the `maxInFlight` the
/// node advertised in `welcome`, so a burst of concurrent requests queues here, in
/// arrival order, rather than being answered `overloaded`.
final class InFlightGate: Sendable {
    private struct State {
        var inFlight = 0
        /// Keys waiting for a place, oldest first. A key whose wait already ended (its
        /// timeout fired) is skipped when its turn comes.
        var queue = CircularBuffer<UInt64>()
    }

    private let limit: Int
    private let state = Mutex(State())
    private let waiters = WaiterTable<Void>()

    /// Creates a gate.
    /// - Parameter limit: the most requests in flight; at least 1.
    init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// Waits for a place, until `deadline`. Every successful acquire MUST be followed by
    /// one `release()`.
    /// - Throws: `.timeout` at the deadline, or the error the gate was closed with.
    func acquire(_ key: UInt64, deadline: NIODeadline, on eventLoop: any EventLoop) async throws(HeraldClientError) {
        let admittedAtOnce = state.withLock { state -> Bool in
            guard state.inFlight < limit else { return false }
            state.inFlight += 1
            return true
        }
        if admittedAtOnce { return }
        // NB: register before queueing, so a release that picks this key always finds it.
        waiters.register(key, deadline: deadline, on: eventLoop)
        let admitted = state.withLock { state -> Bool in
            if state.inFlight < limit {
                state.inFlight += 1
                return true
            }
            state.queue.append(key)
            return false
        }
        // NB: when the deadline fired in between, the wait below throws `.timeout` and the
        // caller never releases: give the place back here, or it is lost for good.
        if admitted, !waiters.resolve(key, .success(())) { release() }
        switch await waiters.wait(key) {
        case .success: return
        case .failure(let error): throw error
        }
    }

    /// Gives a place back: to the oldest waiter still waiting, or to the pool.
    func release() {
        while true {
            let next = state.withLock { state -> UInt64? in
                guard let key = state.queue.popFirst() else {
                    state.inFlight -= 1
                    return nil
                }
                return key
            }
            // The place passes to `next` unless its wait already ended; then try the one after.
            guard let next, !waiters.resolve(next, .success(())) else { return }
        }
    }

    /// Whether `key` waits in the queue (handed a place or not).
    func isQueued(_ key: UInt64) -> Bool { state.withLock { $0.queue.contains(key) } }

    /// Slots the waiting queue's storage holds.
    var queueStorageCount: Int { state.withLock { $0.queue.capacity } }

    /// Fails every waiter, and every later `acquire`, with `error`.
    func close(with error: HeraldClientError) {
        waiters.close(with: error)
    }
}
