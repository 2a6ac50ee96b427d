import NIOCore

/// What every NATS session of a run shares: the message bytes each publish carries.
struct NATSShared: Sendable {
    /// The payload of every publish.
    let payload: ByteBuffer

    /// Wraps the run's message.
    init(message: [UInt8]) {
        payload = ByteBuffer(bytes: message)
    }

    /// The subject connection `index` publishes to (inside the stream's `bench.>`).
    static func subject(connection index: Int) -> String { "bench.\(index)" }
}
