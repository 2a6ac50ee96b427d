/// Why an address or domain is suppressed.
public enum SuppressionReason: UInt8, CaseIterable, Hashable, Sendable, CustomStringConvertible {
    /// A permanent (5xx) delivery failure.
    case hardBounce = 1
    /// The recipient reported the mail as spam (feedback loop, ARF).
    case complaint = 2
    /// The recipient unsubscribed (e.g. RFC 8058 one-click).
    case unsubscribe = 3
    /// An operator added it by hand.
    case manual = 4

    /// The reason's name, e.g. `hardBounce`.
    public var description: String {
        switch self {
        case .hardBounce: "hardBounce"
        case .complaint: "complaint"
        case .unsubscribe: "unsubscribe"
        case .manual: "manual"
        }
    }
}

/// A suppression to add: the payload of the `suppress` command. The time of the
/// suppression is the command's timestamp.
public struct SuppressionEntry: Hashable, Sendable {
    /// An address (`bob@example.com`) or a whole domain (`@example.com`). Apply
    /// normalises it with `SuppressionAddress.normalise(_:)`.
    public var address: String
    /// Why it is suppressed.
    public var reason: SuppressionReason
    /// Where it came from (e.g. the bounce's reply, the admin user), free text of at most
    /// `SuppressionEntry.maxSourceBytes` UTF-8 bytes.
    public var source: String

    /// The longest allowed `source`, in UTF-8 bytes.
    public static let maxSourceBytes = 256

    /// Creates an entry.
    /// - Parameters:
    ///   - address: an address or `@domain`.
    ///   - reason: why it is suppressed.
    ///   - source: where it came from.
    public init(address: String, reason: SuppressionReason, source: String = "") {
        self.address = address
        self.reason = reason
        self.source = source
    }
}
