import NIOCore
import Synchronization

/// Callers waiting for one value each, keyed by a number: requests waiting for their
/// responses, or requests waiting for a connection. Each key is resolved exactly once,
/// by whoever removes it first: the reader, a timeout, or a failure of the whole table.
///
/// A key is registered before its request is written and awaited after, so a response
/// that arrives before the caller awaits it is kept (`resolved`) until it does.
final class WaiterTable<Value: Sendable>: Sendable {
    typealias Outcome = Result<Value, HeraldClientError>

    private enum Slot {
        /// Registered; nobody is waiting yet and nothing has arrived.
        case registered(timeout: Scheduled<Void>?)
        /// The caller is suspended.
        case waiting(CheckedContinuation<Outcome, Never>, timeout: Scheduled<Void>?)
        /// The outcome arrived before the caller awaited it.
        case resolved(Outcome)
    }

    private struct State {
        var slots: [UInt64: Slot] = [:]
        /// Once set, the table resolves every new key with this failure at once.
        var closedWith: HeraldClientError?
    }

    private let state = Mutex(State())

    /// Registers `key` and arms its timeout.
    /// - Parameters:
    ///   - key: unique among the keys in the table.
    ///   - deadline: when to resolve the key with `.timeout`.
    ///   - eventLoop: where the timer runs.
    func register(_ key: UInt64, deadline: NIODeadline, on eventLoop: any EventLoop) {
        let closed = state.withLock { state -> HeraldClientError? in
            if let error = state.closedWith {
                state.slots[key] = .resolved(.failure(error))
                return error
            }
            precondition(state.slots[key] == nil, "waiter key \(key) registered twice")
            state.slots[key] = .registered(timeout: nil)
            return nil
        }
        guard closed == nil else { return }
        let timeout = eventLoop.scheduleTask(deadline: deadline) { [self] () -> Void in
            resolve(key, .failure(HeraldClientError(code: .timeout, detail: "no answer before the request timeout")))
        }
        let armed = state.withLock { state -> Bool in
            guard case .registered = state.slots[key] else { return false }
            state.slots[key] = .registered(timeout: timeout)
            return true
        }
        if !armed { timeout.cancel() }
    }

    /// Resolves `key` if it is still registered; a late outcome (after a timeout) is dropped.
    /// - Returns: whether `key` was waiting for an outcome.
    @discardableResult
    func resolve(_ key: UInt64, _ outcome: Outcome) -> Bool {
        let action = state.withLock { state -> (CheckedContinuation<Outcome, Never>?, Scheduled<Void>?, Bool) in
            switch state.slots[key] {
            case .registered(let timeout):
                state.slots[key] = .resolved(outcome)
                return (nil, timeout, true)
            case .waiting(let continuation, let timeout):
                state.slots[key] = nil
                return (continuation, timeout, true)
            case .resolved, nil:
                return (nil, nil, false)
            }
        }
        action.1?.cancel()
        action.0?.resume(returning: outcome)
        return action.2
    }

    /// Resolves every registered key with `outcome`; later keys are registered as usual.
    func resolveAll(_ outcome: Outcome) {
        for key in state.withLock({ Array($0.slots.keys) }) { resolve(key, outcome) }
    }

    /// Resolves every registered key with `error`, and every key registered from now on.
    func close(with error: HeraldClientError) {
        let keys = state.withLock { state -> [UInt64] in
            if state.closedWith == nil { state.closedWith = error }
            return Array(state.slots.keys)
        }
        for key in keys { resolve(key, .failure(error)) }
    }

    /// Suspends until `key` is resolved. MUST follow `register(key, …)`, once.
    func wait(_ key: UInt64) async -> Outcome {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> Outcome? in
                switch state.slots[key] {
                case .registered(let timeout):
                    state.slots[key] = .waiting(continuation, timeout: timeout)
                    return nil
                case .resolved(let outcome):
                    state.slots[key] = nil
                    return outcome
                case .waiting, nil:
                    preconditionFailure("waited for key \(key) that is not registered, or twice")
                }
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    /// How many keys are registered and not yet awaited or resolved.
    var count: Int { state.withLock { $0.slots.count } }
}
