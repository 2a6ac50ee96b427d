import NIOCore

/// What every etcd session of a run shares: the value every `Put` writes.
struct EtcdShared: Sendable {
    /// The value bytes: the run's message.
    let value: ByteBuffer

    /// Wraps the run's message.
    init(message: [UInt8]) {
        value = ByteBuffer(bytes: message)
    }
}
