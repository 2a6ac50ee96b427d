import Synchronization

/// The Raft loop's input queue. Producers (transport, timer, proposers) append without
/// waiting; the loop takes everything queued at once, so a burst of proposals that
/// arrived during one fsync is proposed together and made durable by the next one.
final class RaftInbox<Input: Sendable>: Sendable {
    private let queued = Mutex<(inputs: [Input], closed: Bool)>(([], false))
    /// Yields after posts; the single consumer (the Raft loop) iterates it.
    let wakeups: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation

    init() {
        (wakeups, wake) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// Queues one input and wakes the loop.
    /// - Returns: false once the inbox is closed (the input was not queued).
    @discardableResult
    func post(_ input: Input) -> Bool {
        let accepted = queued.withLock { state -> Bool in
            guard !state.closed else { return false }
            state.inputs.append(input)
            return true
        }
        if accepted { wake.yield() }
        return accepted
    }

    /// Takes everything queued, without waiting.
    func drain() -> [Input] {
        queued.withLock { state in
            defer { state.inputs.removeAll(keepingCapacity: true) }
            return state.inputs
        }
    }

    /// Refuses further posts and ends `wakeups`, so the loop stops once it has drained.
    func close() {
        queued.withLock { $0.closed = true }
        wake.finish()
    }
}
