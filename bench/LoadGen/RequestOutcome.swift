import Wire

/// How a request ended, as a session reports it to its connection.
enum RequestOutcome {
    /// A load request was acknowledged. `term` is the Raft term the system reported
    /// (0 when it reports none); `record` is what `--record-acks` writes.
    case acked(term: UInt64, record: AckRecord)
    /// A verification request found its item.
    case found
    /// A verification request did not find its item.
    case missing
    /// The request failed; `kind` names why in the report's `error_kinds`.
    case failed(ErrorKind)
}

/// What identifies an acknowledged item for `--record-acks` and `--verify-acks`.
enum AckRecord {
    /// Herald: the message id (printed as 32 hex digits).
    case messageID(WireMessageID)
    /// etcd: the key `bench/<connection>/<sequence>`, rebuilt from the request.
    case etcdKey
    /// NATS JetStream: the stream sequence.
    case streamSequence(UInt64)
}
