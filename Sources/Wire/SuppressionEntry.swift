/// One address on the suppression list.
public struct SuppressionEntry: Equatable, Sendable {
    /// The suppressed address.
    public var address: String
    /// Why it is suppressed.
    public var reason: SuppressionReasonCode
    /// Who or what suppressed it (a DSN, a feedback loop, an operator); may be empty.
    public var source: String
    /// When it was suppressed, in ms since the Unix epoch.
    public var sinceMilliseconds: UInt64

    /// Creates an entry.
    public init(address: String, reason: SuppressionReasonCode, source: String = "", sinceMilliseconds: UInt64) {
        self.address = address
        self.reason = reason
        self.source = source
        self.sinceMilliseconds = sinceMilliseconds
    }
}
