/// Where one recipient of a message stands. The raw value is its stored form and
/// MUST NOT change.
public enum RecipientState: UInt8, CaseIterable, Hashable, Sendable, CustomStringConvertible {
    /// Waiting in the queue for its ready time.
    case queued = 1
    /// Not sent: the address or its domain was suppressed when the message was enqueued.
    case suppressed = 2
    /// Not sent: the message was cancelled while the recipient waited.
    case cancelled = 3
    /// Accepted by the destination (a later issue records it).
    case delivered = 4
    /// A temporary failure; waiting in the queue for its next attempt (a later issue).
    case deferred = 5
    /// A permanent failure (a later issue).
    case bounced = 6
    /// Not delivered before the message's expiry.
    case expired = 7

    /// Whether the recipient is done: nothing will happen to it any more.
    public var isFinal: Bool {
        switch self {
        case .queued, .deferred: false
        case .suppressed, .cancelled, .delivered, .bounced, .expired: true
        }
    }

    /// Whether the recipient has a key in the `queue` family.
    public var isWaiting: Bool { !isFinal }

    /// The state's name, e.g. `queued`.
    public var description: String {
        switch self {
        case .queued: "queued"
        case .suppressed: "suppressed"
        case .cancelled: "cancelled"
        case .delivered: "delivered"
        case .deferred: "deferred"
        case .bounced: "bounced"
        case .expired: "expired"
        }
    }
}
