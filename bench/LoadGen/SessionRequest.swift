/// What a session writes for one request.
enum SessionRequest {
    /// A write: Herald `enqueue`, etcd `Put` of key `bench/<connection>/<sequence>`, or a
    /// NATS publish. `sequence` counts this connection's requests from 0.
    case load(sequence: UInt64)
    /// A lookup of a recorded item: Herald `messageStatus`, etcd `Range`.
    case verify(item: String)
}
