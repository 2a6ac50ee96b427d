/// The stored record of one suppression in the `suppression` family, keyed by the
/// normalised address (or `@domain`) as UTF-8.
public struct SuppressionRecord: Hashable, Sendable {
    /// The normalised address, or `@domain` for a whole domain.
    public var address: String
    /// Why it is suppressed.
    public var reason: SuppressionReason
    /// Where it came from.
    public var source: String
    /// The timestamp of the `suppress` command.
    public var suppressedAt: Timestamp

    /// Creates a record.
    /// - Parameters:
    ///   - address: the normalised address or `@domain`.
    ///   - reason: why it is suppressed.
    ///   - source: where it came from.
    ///   - suppressedAt: when it was suppressed.
    public init(address: String, reason: SuppressionReason, source: String, suppressedAt: Timestamp) {
        self.address = address
        self.reason = reason
        self.source = source
        self.suppressedAt = suppressedAt
    }

    /// Whether this suppresses a whole domain rather than one address.
    public var isDomain: Bool { address.utf8.first == UInt8(ascii: "@") }

    /// The version byte this build writes and reads.
    public static let encodingVersion: UInt8 = 1

    /// The stored form: `u8 version | u8 reason | str address | str source | u64 suppressedAt`.
    /// - Returns: the bytes to store.
    public func encoded() -> [UInt8] {
        var bytes: [UInt8] = [Self.encodingVersion, reason.rawValue]
        bytes.appendLengthPrefixed(address)
        bytes.appendLengthPrefixed(source)
        bytes.append(suppressedAt)
        return bytes
    }

    /// Decodes a stored record.
    /// - Parameter bytes: the stored value.
    /// - Throws: `ByteDecodingError` if the bytes are not a version-1 record.
    public init(decoding bytes: [UInt8]) throws(ByteDecodingError) {
        guard !bytes.isEmpty else { throw .empty }
        var reader = ByteReader(bytes)
        let version = try reader.readByte("suppression.version")
        guard version == Self.encodingVersion else { throw .unsupportedVersion(version) }
        let rawReason = try reader.readByte("suppression.reason")
        guard let reason = SuppressionReason(rawValue: rawReason) else {
            throw .invalidValue(field: "suppression.reason", reason: "unknown reason \(rawReason)")
        }
        let address = try reader.readString("suppression.address")
        let source = try reader.readString("suppression.source")
        let suppressedAt = try reader.readTimestamp("suppression.suppressedAt")
        try reader.expectEnd()
        self.init(address: address, reason: reason, source: source, suppressedAt: suppressedAt)
    }
}
