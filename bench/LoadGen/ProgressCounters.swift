import Synchronization

/// Counters one connection bumps and the progress printer reads from another thread.
/// Each connection has its own, so the relaxed increments never contend.
final class ProgressCounters: Sendable {
    private let acked = Atomic<Int>(0)
    private let errors = Atomic<Int>(0)
    private let connected = Atomic<Int>(0)

    /// Creates zeroed counters.
    init() {}

    /// Counts one acknowledgement (warm-up included).
    func recordAck() { acked.add(1, ordering: .relaxed) }

    /// Counts one failed request.
    func recordError() { errors.add(1, ordering: .relaxed) }

    /// Notes whether the connection is ready to send.
    func setConnected(_ isConnected: Bool) { connected.store(isConnected ? 1 : 0, ordering: .relaxed) }

    /// The counters now: acknowledgements, errors, and 1 when connected else 0.
    func snapshot() -> (acked: Int, errors: Int, connected: Int) {
        (acked.load(ordering: .relaxed), errors.load(ordering: .relaxed), connected.load(ordering: .relaxed))
    }
}
