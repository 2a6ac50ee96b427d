/// Where one recipient of a message stands (a `u8` on the wire).
public enum RecipientStateCode: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    /// Waiting for its first or next attempt.
    case queued = 0
    /// Not queued: the address is on the suppression list.
    case suppressed = 1
    /// Cancelled before delivery.
    case cancelled = 2
    /// The receiving server accepted it.
    case delivered = 3
    /// The last attempt failed temporarily; another will follow.
    case deferred = 4
    /// Failed permanently.
    case bounced = 5
    /// Not delivered before the message expired.
    case expired = 6

    /// The lowercase name (`queued`, `delivered`, …).
    public var name: String {
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

    /// Whether no further attempt will be made.
    public var isFinal: Bool { self != .queued && self != .deferred }

    public var description: String { name }
}
