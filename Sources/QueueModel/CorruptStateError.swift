/// A stored record could not be decoded: the store is corrupt (or was written by a
/// newer version). The node MUST stop rather than apply on top of it.
public struct CorruptStateError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The column family of the bad record.
    public var family: Family
    /// Its key.
    public var key: [UInt8]
    /// What was wrong with it.
    public var reason: ByteDecodingError

    /// Creates the error.
    /// - Parameters:
    ///   - family: the column family.
    ///   - key: the key.
    ///   - reason: the decoding failure.
    public init(family: Family, key: [UInt8], reason: ByteDecodingError) {
        self.family = family
        self.key = key
        self.reason = reason
    }

    /// `corrupt record in <family> at key <hex>: <reason>`.
    public var description: String {
        let alphabet = Array("0123456789abcdef".utf8)
        var hex: [UInt8] = []
        for byte in key {
            hex.append(alphabet[Int(byte >> 4)])
            hex.append(alphabet[Int(byte & 0x0f)])
        }
        return "corrupt record in \(family.rawValue) at key \(String(decoding: hex, as: UTF8.self)): \(reason)"
    }
}
