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
