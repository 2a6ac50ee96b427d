/// Why bytes could not be decoded into a command or a stored record. Decoding never
/// traps: every malformed, truncated or unknown input ends in one of these.
public enum ByteDecodingError: Error, Hashable, Sendable, CustomStringConvertible {
    /// There were no bytes at all.
    case empty
    /// The leading format version is not one this build understands.
    case unsupportedVersion(UInt8)
    /// The command tag is not one this build knows.
    case unknownCommand(tag: UInt8)
    /// The command tag is reserved for a command this build does not implement yet
    /// (`claim`, `result`, `assign`).
    case reservedCommand(tag: UInt8)
    /// The bytes ended inside `field`, which started at byte `offset`.
    case truncated(field: String, offset: Int)
    /// `field` holds a value that is not allowed there.
    case invalidValue(field: String, reason: String)
    /// `count` bytes were left over after a complete value.
    case trailingBytes(count: Int)

    /// A sentence naming the field and what is wrong with it.
    public var description: String {
        switch self {
        case .empty:
            "no bytes to decode"
        case .unsupportedVersion(let version):
            "unsupported format version \(version)"
        case .unknownCommand(let tag):
            "unknown command tag \(tag)"
        case .reservedCommand(let tag):
            "command tag \(tag) is reserved and not implemented by this build"
        case .truncated(let field, let offset):
            "truncated \(field) at byte \(offset)"
        case .invalidValue(let field, let reason):
            "\(field): \(reason)"
        case .trailingBytes(let count):
            "\(count) unexpected bytes after the value"
        }
    }
}
