/// A message to enqueue, as the leader proposes it (after validation and signing).
public struct EnqueueRequest: Hashable, Sendable {
    /// The id the leader chose for the message.
    public var messageID: MessageID
    /// The producer's idempotency key: a retry with the same key within the window
    /// returns the original id instead of enqueuing again. At most
    /// `EnqueueRequest.maxIdempotencyKeyBytes` UTF-8 bytes; MUST NOT be empty.
    public var idempotencyKey: String?
    /// The SMTP envelope sender (`MAIL FROM`); empty is the null reverse-path `<>`.
    public var mailFrom: String
    /// The SMTP envelope recipients (`RCPT TO`), in order; the order gives each
    /// recipient its index in keys and status.
    public var recipients: [String]
    /// The raw RFC 5322 message (headers and body), already DKIM-signed.
    public var message: [UInt8]
    /// Delivery priority, `0...9`; higher goes first. Invariant: `<= maxPriority`.
    public var priority: UInt8
    /// No delivery attempt before this time, if set.
    public var notBefore: Timestamp?
    /// Recipients not delivered by this time expire, if set.
    public var expiresAt: Timestamp?

    /// The largest allowed priority.
    public static let maxPriority: UInt8 = 9
    /// The longest allowed idempotency key, in UTF-8 bytes.
    public static let maxIdempotencyKeyBytes = 256

    /// Creates a request.
    /// - Parameters:
    ///   - messageID: the id the leader chose.
    ///   - idempotencyKey: the producer's key, if any.
    ///   - mailFrom: the envelope sender; empty for `<>`.
    ///   - recipients: the envelope recipients.
    ///   - message: the raw message bytes.
    ///   - priority: `0...9`, default 5.
    ///   - notBefore: the earliest delivery time, if any.
    ///   - expiresAt: the expiry time, if any.
    public init(
        messageID: MessageID, idempotencyKey: String? = nil, mailFrom: String, recipients: [String],
        message: [UInt8], priority: UInt8 = 5, notBefore: Timestamp? = nil, expiresAt: Timestamp? = nil
    ) {
        self.messageID = messageID
        self.idempotencyKey = idempotencyKey
        self.mailFrom = mailFrom
        self.recipients = recipients
        self.message = message
        self.priority = priority
        self.notBefore = notBefore
        self.expiresAt = expiresAt
    }
}
