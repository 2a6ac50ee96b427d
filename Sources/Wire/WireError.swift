/// Why bytes on a connection could not be understood. The connection that sent them
/// is answered with the error (where the protocol allows) and closed; the node and
/// every other connection carry on.
public enum WireError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A frame announced more bytes than the connection allows; nothing was allocated.
    case frameTooLarge(length: Int, limit: Int)
    /// A frame with a zero length has no kind byte.
    case emptyFrame
    /// The kind byte is not one this connection understands.
    case unknownKind(UInt8)
    /// The payload ended early or held an impossible value.
    case malformed(String)
    /// The connection closed in the middle of a frame.
    case truncatedFrame(received: Int, expected: Int)

    public var description: String {
        switch self {
        case .frameTooLarge(let length, let limit): "frame of \(length) bytes exceeds the limit of \(limit)"
        case .emptyFrame: "empty frame (no kind byte)"
        case .unknownKind(let kind): "unknown frame kind \(kind)"
        case .malformed(let reason): "malformed frame: \(reason)"
        case .truncatedFrame(let received, let expected): "connection closed mid-frame (\(received) of \(expected) bytes)"
        }
    }
}
