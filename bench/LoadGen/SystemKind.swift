import ArgumentParser

/// The system under load: each speaks its own protocol, but all are driven by the same
/// connection machinery.
enum SystemKind: String, CaseIterable, Sendable, ExpressibleByArgument {
    /// Herald's binary producer protocol (`enqueue` requests).
    case herald
    /// etcd's gRPC `KV/Put` over HTTP/2 cleartext.
    case etcd
    /// NATS core publishes acknowledged by a JetStream stream.
    case nats

    /// Whether `--verify-acks` can check this system's recorded items.
    var canVerify: Bool { self != .nats }
}
