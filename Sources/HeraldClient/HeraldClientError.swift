public import Wire

/// Why a `HeraldClient` request did not succeed. Shaped like `ServiceGroupError` so later
/// versions can add codes without breaking callers.
public struct HeraldClientError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kind of failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let raw: UInt8
        private init(_ raw: UInt8) { self.raw = raw }

        /// The node answered with a protocol `error`; `producerError` holds its code and detail.
        public static let refused = Code(1)
        /// The connection dropped while the request was in flight: it may or may not have
        /// taken effect. Retry enqueues with the same idempotency key.
        public static let connectionLost = Code(2)
        /// No response within the request timeout (which includes waiting for a connection).
        /// Retry enqueues with the same idempotency key.
        public static let timeout = Code(3)
        /// Every address was tried and none accepted a connection and `hello`.
        public static let unreachable = Code(4)
        /// The request breaks the protocol's limits and was not sent.
        public static let invalidRequest = Code(5)
        /// The node's answer does not fit the request (a wrong response kind, a `hello`
        /// answered by something other than `welcome`). Requests in flight on a connection
        /// that carried undecodable bytes fail with `connectionLost` instead.
        public static let protocolViolation = Code(6)
        /// The client has stopped (its `run()` returned).
        public static let closed = Code(7)

        public var description: String {
            switch raw {
            case 1: "refused"
            case 2: "connectionLost"
            case 3: "timeout"
            case 4: "unreachable"
            case 5: "invalidRequest"
            case 6: "protocolViolation"
            case 7: "closed"
            default: "code \(raw)"
            }
        }
    }

    /// The kind of failure.
    public let code: Code
    /// One sentence for a person.
    public let detail: String
    /// The node's refusal, when `code == .refused`.
    public let producerError: ProducerError?

    /// Creates an error.
    /// - Parameters:
    ///   - code: the kind of failure.
    ///   - detail: one sentence for a person.
    ///   - producerError: the node's refusal, for `.refused`.
    public init(code: Code, detail: String, producerError: ProducerError? = nil) {
        self.code = code
        self.detail = detail
        self.producerError = producerError
    }

    /// A refusal from the node.
    /// - Parameter error: the node's code and detail.
    /// - Returns: a `.refused` error carrying it.
    public static func refused(_ error: ProducerError) -> HeraldClientError {
        HeraldClientError(code: .refused, detail: error.description, producerError: error)
    }

    /// Whether sending the same request again may succeed: connection loss, timeouts,
    /// unreachable clusters and retryable node codes (`overloaded`, `insufficientStorage`,
    /// `unavailable`, `outcomeUnknown`, `internal`). Retry enqueues with the same
    /// idempotency key.
    public var isRetryable: Bool {
        switch code {
        case .connectionLost, .timeout, .unreachable: true
        case .refused: producerError?.code.isRetryable ?? false
        default: false
        }
    }

    public var description: String {
        code == .refused ? detail : "\(code): \(detail)"
    }
}
