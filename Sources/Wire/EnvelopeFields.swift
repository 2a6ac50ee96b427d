/// One message to queue, as a producer sends it: the SMTP envelope, the RFC 5322
/// message and the queueing options. The node checks addresses and headers; the codec
/// checks only the protocol's bounds (`ProducerLimits`).
public struct EnvelopeFields: Equatable, Sendable {
    /// The RFC 5321 reverse-path; empty for a null sender (`MAIL FROM:<>`).
    public var mailFrom: String
    /// The forward-paths, 1–1000 of them.
    public var recipients: [String]
    /// Makes retries safe: within the key's window a second enqueue with the same key
    /// returns the first message's id. Empty for none; at most 256 bytes.
    public var idempotencyKey: String
    /// 0 (lowest) to 9; 5 is normal.
    public var priority: UInt8
    /// Do not attempt delivery before this time (ms since the Unix epoch); 0 = now.
    public var notBeforeMilliseconds: UInt64
    /// Give up on recipients not delivered by this time (ms since the Unix epoch);
    /// 0 = the cluster's default expiry.
    public var expiresAtMilliseconds: UInt64
    /// The RFC 5322 message: headers, a blank line, the body.
    public var message: [UInt8]

    /// Creates an envelope.
    public init(mailFrom: String, recipients: [String], message: [UInt8], idempotencyKey: String = "",
                priority: UInt8 = ProducerLimits.normalPriority, notBeforeMilliseconds: UInt64 = 0,
                expiresAtMilliseconds: UInt64 = 0) {
        self.mailFrom = mailFrom
        self.recipients = recipients
        self.idempotencyKey = idempotencyKey
        self.priority = priority
        self.notBeforeMilliseconds = notBeforeMilliseconds
        self.expiresAtMilliseconds = expiresAtMilliseconds
        self.message = message
    }

    /// Checks the protocol's bounds.
    /// - Throws: `WireError.malformed` naming the first field out of bounds.
    public func validate() throws(WireError) {
        try ProducerFieldCheck.string(mailFrom, "mailFrom", limit: ProducerLimits.maxAddressBytes)
        try ProducerFieldCheck.count(recipients.count, "recipient count", range: 1...ProducerLimits.maxRecipients)
        for recipient in recipients {
            try ProducerFieldCheck.string(recipient, "recipient", limit: ProducerLimits.maxAddressBytes)
        }
        try ProducerFieldCheck.string(idempotencyKey, "idempotencyKey", limit: ProducerLimits.maxIdempotencyKeyBytes)
        guard priority <= ProducerLimits.maxPriority else {
            throw WireError.malformed("priority \(priority) exceeds \(ProducerLimits.maxPriority)")
        }
        guard message.count <= Int(UInt32.max) else { throw WireError.malformed("message of \(message.count) bytes") }
    }
}
