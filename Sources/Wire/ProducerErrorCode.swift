/// Why a node refused a producer request (docs/protocol.md, "Error codes"). A struct
/// rather than an enum so later versions can add codes without breaking clients: a code
/// this build does not know still decodes, and prints as `code N`.
public struct ProducerErrorCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The `u16` on the wire.
    public var rawValue: UInt16
    /// Wraps a wire value.
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// The frame or payload does not decode.
    public static let malformedRequest = ProducerErrorCode(rawValue: 1)
    /// The kind is not a request this version knows.
    public static let unknownRequest = ProducerErrorCode(rawValue: 2)
    /// `hello` asked for a version the node does not speak.
    public static let unsupportedVersion = ProducerErrorCode(rawValue: 3)
    /// The frame exceeds `maxFrameBytes`.
    public static let frameTooLarge = ProducerErrorCode(rawValue: 4)
    /// An address is not valid RFC 5321 syntax; the detail names it.
    public static let invalidAddress = ProducerErrorCode(rawValue: 5)
    /// The message bytes fail the header checks.
    public static let invalidMessage = ProducerErrorCode(rawValue: 6)
    /// The message exceeds the cluster's size limit.
    public static let messageTooLarge = ProducerErrorCode(rawValue: 7)
    /// More recipients than the cluster's limit.
    public static let tooManyRecipients = ProducerErrorCode(rawValue: 8)
    /// No such message.
    public static let notFound = ProducerErrorCode(rawValue: 9)
    /// Too many requests in flight on this connection or node; retry after a pause.
    public static let overloaded = ProducerErrorCode(rawValue: 10)
    /// No leader is reachable; retry.
    public static let unavailable = ProducerErrorCode(rawValue: 11)
    /// Leadership changed before the write committed; retry with the same idempotency key.
    public static let outcomeUnknown = ProducerErrorCode(rawValue: 12)
    /// A bug or storage failure on the node.
    public static let `internal` = ProducerErrorCode(rawValue: 13)
    /// A request arrived before `hello`.
    public static let helloRequired = ProducerErrorCode(rawValue: 14)
    /// The leader's data disk is nearly full; new messages are refused until space is
    /// freed (other requests are served). Retry after a pause.
    public static let insufficientStorage = ProducerErrorCode(rawValue: 15)

    /// Every code protocol version 1 defines.
    public static let known: [ProducerErrorCode] = [
        .malformedRequest, .unknownRequest, .unsupportedVersion, .frameTooLarge, .invalidAddress,
        .invalidMessage, .messageTooLarge, .tooManyRecipients, .notFound, .overloaded, .unavailable,
        .outcomeUnknown, .internal, .helloRequired, .insufficientStorage,
    ]

    /// The name in docs/protocol.md (`unavailable`), or `code N` for a code this build
    /// does not know.
    public var name: String {
        switch rawValue {
        case 1: "malformedRequest"
        case 2: "unknownRequest"
        case 3: "unsupportedVersion"
        case 4: "frameTooLarge"
        case 5: "invalidAddress"
        case 6: "invalidMessage"
        case 7: "messageTooLarge"
        case 8: "tooManyRecipients"
        case 9: "notFound"
        case 10: "overloaded"
        case 11: "unavailable"
        case 12: "outcomeUnknown"
        case 13: "internal"
        case 14: "helloRequired"
        case 15: "insufficientStorage"
        default: "code \(rawValue)"
        }
    }

    /// Whether the same request may succeed if sent again (after a pause for
    /// `overloaded` and `insufficientStorage`; with the same idempotency key for
    /// `outcomeUnknown`).
    public var isRetryable: Bool {
        self == .overloaded || self == .unavailable || self == .outcomeUnknown || self == .internal
            || self == .insufficientStorage
    }

    public var description: String { name }
}
