/// A RocksDB column family of the replicated state. The raw value is the column
/// family's name in the store and MUST NOT change once a cluster has data.
public enum Family: String, CaseIterable, Hashable, Sendable {
    /// Message records (envelope, priority, schedule, per-recipient state), keyed by
    /// the 16-byte `MessageID`.
    case messages
    /// Raw RFC 5322 message bytes, keyed by the 16-byte `MessageID`. Kept apart so
    /// large values stay out of the hot family (blob files in the store).
    case bodies
    /// The delivery index: one empty-ish key per deliverable recipient, ordered by
    /// partition then ready time. See `QueueKey`.
    case queue
    /// Suppressed addresses and domains, keyed by the normalised address.
    case suppression
    /// Producer idempotency keys and their expiry index. See `IdempotencyKeys`.
    case idempotency
    /// Bookkeeping: the applied index and state digest. See `StateDigest`.
    case meta
}
