import Synchronization

/// One write's promise: completed by the round that performed it (on the writer thread
/// or a caller's) once the write is durable or failed, awaited by the caller.
final class DurabilityTicket: Sendable {
    private enum State {
        case pending
        case waiting(CheckedContinuation<Result<Void, LogStoreError>, Never>)
        case done(Result<Void, LogStoreError>)
    }

    private let state = Mutex(State.pending)

    init() {}

    /// Records the outcome and wakes the waiter, if any. Only the first call counts.
    func complete(_ result: Result<Void, LogStoreError>) {
        let waiter: CheckedContinuation<Result<Void, LogStoreError>, Never>? = state.withLock { state in
            let waiter: CheckedContinuation<Result<Void, LogStoreError>, Never>?
            switch state {
            case .pending: waiter = nil
            case .waiting(let continuation): waiter = continuation
            case .done: return nil
            }
            state = .done(result)
            return waiter
        }
        waiter?.resume(returning: result)
    }

    /// The outcome, once `complete` has been called.
    var outcome: Result<Void, LogStoreError>? {
        state.withLock { state in
            if case .done(let result) = state { return result }
            return nil
        }
    }

    /// Suspends until `complete` has been called. At most one task may wait.
    func wait() async -> Result<Void, LogStoreError> {
        await withCheckedContinuation { continuation in
            let ready: Result<Void, LogStoreError>? = state.withLock { state in
                switch state {
                case .pending:
                    state = .waiting(continuation)
                    return nil
                case .done(let result):
                    return result
                case .waiting:
                    preconditionFailure("two tasks wait on one durability ticket")
                }
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}
