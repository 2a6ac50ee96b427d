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
