import Synchronization

/// The Raft loop's input queue. Producers (transport, timer, proposers) append without
/// waiting; the loop takes everything queued at once, so a burst of proposals that
/// arrived during one fsync is proposed together and made durable by the next one.
final class RaftInbox<Input: Sendable>: Sendable {
    private let queued = Mutex<[Input]>([])
    /// Yields after posts; the single consumer (the Raft loop) iterates it.
    let wakeups: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation

    init() {
        (wakeups, wake) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// Queues one input and wakes the loop.
    func post(_ input: Input) {
        queued.withLock { $0.append(input) }
        wake.yield()
    }

    /// Takes everything queued, without waiting.
    func drain() -> [Input] {
        queued.withLock { inputs in
            defer { inputs.removeAll(keepingCapacity: true) }
            return inputs
        }
    }

    /// Ends `wakeups`, so the loop stops once it has drained.
    func close() { wake.finish() }
}
