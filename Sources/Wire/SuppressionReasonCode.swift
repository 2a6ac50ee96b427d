/// Why an address is on the suppression list (a `u8` on the wire).
public enum SuppressionReasonCode: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    /// The address bounced permanently.
    case hardBounce = 0
    /// The recipient complained (feedback loop).
    case complaint = 1
    /// The recipient unsubscribed.
    case unsubscribe = 2
    /// An operator added it by hand.
    case manual = 3

    /// The spelling the CLI and JSON output use: `hard-bounce`, `complaint`, `unsubscribe`, `manual`.
    public var name: String {
        switch self {
        case .hardBounce: "hard-bounce"
        case .complaint: "complaint"
        case .unsubscribe: "unsubscribe"
        case .manual: "manual"
        }
    }

    /// Parses `name`.
    /// - Returns: `nil` for any other spelling.
    public init?(name: String) {
        guard let match = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = match
    }

    public var description: String { name }
}
