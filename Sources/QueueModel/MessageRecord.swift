/// The stored record of one message in the `messages` family (keyed by its id):
/// envelope, schedule and where each recipient stands. The body is kept apart in
/// `bodies`.
public struct MessageRecord: Hashable, Sendable {
    /// The message's id.
    public var messageID: MessageID
    /// The timestamp of the `enqueue` command that created it.
    public var enqueuedAt: Timestamp
    /// The producer's idempotency key, if it gave one.
    public var idempotencyKey: String?
    /// The envelope sender; empty for `<>`.
    public var mailFrom: String
    /// Delivery priority, `0...9`.
    public var priority: UInt8
    /// No attempt before this time, if set.
    public var notBefore: Timestamp?
    /// Undelivered recipients expire at this time, if set.
    public var expiresAt: Timestamp?
    /// The size of the stored body.
    public var bodyByteCount: Int
    /// The message's delivery partition.
    public var partition: UInt16
    /// The recipients, in envelope order. Invariant: `count <= UInt16.max + 1`.
    public var recipients: [Recipient]

    /// One recipient of a message and where it stands.
    public struct Recipient: Hashable, Sendable {
        /// The address as the producer gave it.
        public var address: String
        /// Where it stands.
        public var state: RecipientState
        /// When it may be attempted next. Meaningful while `state.isWaiting`: it is the
        /// ready time in its `QueueKey`.
        public var readyAt: Timestamp
        /// Delivery attempts made so far.
        public var attempts: UInt32
        /// The timestamp of the command that last changed `state`.
        public var updatedAt: Timestamp

        /// Creates a recipient record.
        /// - Parameters:
        ///   - address: the address.
        ///   - state: where it stands.
        ///   - readyAt: the next attempt time.
        ///   - attempts: attempts so far.
        ///   - updatedAt: when `state` last changed.
        public init(address: String, state: RecipientState, readyAt: Timestamp, attempts: UInt32 = 0,
                    updatedAt: Timestamp) {
            self.address = address
            self.state = state
            self.readyAt = readyAt
            self.attempts = attempts
            self.updatedAt = updatedAt
        }
    }

    /// Creates a record.
    /// - Parameters: see the properties of the same names.
    public init(
        messageID: MessageID, enqueuedAt: Timestamp, idempotencyKey: String?, mailFrom: String, priority: UInt8,
        notBefore: Timestamp?, expiresAt: Timestamp?, bodyByteCount: Int, partition: UInt16, recipients: [Recipient]
    ) {
        self.messageID = messageID
        self.enqueuedAt = enqueuedAt
        self.idempotencyKey = idempotencyKey
        self.mailFrom = mailFrom
        self.priority = priority
        self.notBefore = notBefore
        self.expiresAt = expiresAt
        self.bodyByteCount = bodyByteCount
        self.partition = partition
        self.recipients = recipients
    }

    /// The `queue` key of the recipient at `index`, whether or not it is waiting.
    /// - Parameter index: a valid index into `recipients`.
    /// - Returns: the key.
    public func queueKey(ofRecipient index: Int) -> QueueKey {
        QueueKey(partition: partition, readyAt: recipients[index].readyAt, messageID: messageID,
                 recipientIndex: UInt16(index))
    }

    // MARK: - Stored form

    /// The version byte this build writes and reads.
    public static let encodingVersion: UInt8 = 1

    /// The stored form, version 1 (integers big-endian, `str`/`varint` as in commands):
    ///
    ///     u8 version | 16B messageID | u64 enqueuedAt | u8 flags (bit0 idempotencyKey,
    ///     bit1 notBefore, bit2 expiresAt) | [str idempotencyKey] | str mailFrom
    ///     | u8 priority | [u64 notBefore] | [u64 expiresAt] | varint bodyByteCount
    ///     | u16 partition | varint recipientCount
    ///     | per recipient: str address | u8 state | u64 readyAt | varint attempts | u64 updatedAt
    ///
    /// - Returns: the bytes to store.
    public func encoded() -> [UInt8] {
        var bytes: [UInt8] = [Self.encodingVersion]
        bytes.reserveCapacity(64 + recipients.count * 48)
        bytes.append(messageID)
        bytes.append(enqueuedAt)
        var flags: UInt8 = 0
        if idempotencyKey != nil { flags |= 1 }
        if notBefore != nil { flags |= 2 }
        if expiresAt != nil { flags |= 4 }
        bytes.append(flags)
        if let idempotencyKey { bytes.appendLengthPrefixed(idempotencyKey) }
        bytes.appendLengthPrefixed(mailFrom)
        bytes.append(priority)
        if let notBefore { bytes.append(notBefore) }
        if let expiresAt { bytes.append(expiresAt) }
        bytes.appendVarint(UInt64(bodyByteCount))
        bytes.appendBigEndian(partition)
        bytes.appendVarint(UInt64(recipients.count))
        for recipient in recipients {
            bytes.appendLengthPrefixed(recipient.address)
            bytes.append(recipient.state.rawValue)
            bytes.append(recipient.readyAt)
            bytes.appendVarint(UInt64(recipient.attempts))
            bytes.append(recipient.updatedAt)
        }
        return bytes
    }

    /// Decodes a stored record.
    /// - Parameter bytes: the stored value.
    /// - Throws: `ByteDecodingError` if the bytes are not a version-1 record.
    public init(decoding bytes: [UInt8]) throws(ByteDecodingError) {
        guard !bytes.isEmpty else { throw .empty }
        var reader = ByteReader(bytes)
        let version = try reader.readByte("message.version")
        guard version == Self.encodingVersion else { throw .unsupportedVersion(version) }
        let messageID = try reader.readMessageID("message.messageID")
        let enqueuedAt = try reader.readTimestamp("message.enqueuedAt")
        let flags = try reader.readByte("message.flags")
        guard flags & ~0b111 == 0 else {
            throw .invalidValue(field: "message.flags", reason: "unknown flag bits \(flags & ~0b111)")
        }
        let idempotencyKey = flags & 1 != 0 ? try reader.readString("message.idempotencyKey") : nil
        let mailFrom = try reader.readString("message.mailFrom")
        let priority = try reader.readByte("message.priority")
        let notBefore = try reader.readOptionalTimestamp("message.notBefore", present: flags & 2 != 0)
        let expiresAt = try reader.readOptionalTimestamp("message.expiresAt", present: flags & 4 != 0)
        let bodyByteCount = try reader.readCount("message.bodyByteCount", minimumElementSize: 0, limit: Int(Int32.max))
        let partition = try reader.readUInt16("message.partition")
        let count = try reader.readCount("message.recipients", minimumElementSize: 18, limit: Int(UInt16.max) + 1)
        var recipients: [Recipient] = []
        recipients.reserveCapacity(count)
        for index in 0..<count {
            let field = "message.recipients[\(index)]"
            let address = try reader.readString(field + ".address")
            let rawState = try reader.readByte(field + ".state")
            guard let state = RecipientState(rawValue: rawState) else {
                throw .invalidValue(field: field + ".state", reason: "unknown state \(rawState)")
            }
            let readyAt = try reader.readTimestamp(field + ".readyAt")
            let attempts = try reader.readCount(field + ".attempts", minimumElementSize: 0, limit: Int(UInt32.max))
            let updatedAt = try reader.readTimestamp(field + ".updatedAt")
            recipients.append(Recipient(address: address, state: state, readyAt: readyAt,
                                        attempts: UInt32(attempts), updatedAt: updatedAt))
        }
        try reader.expectEnd()
        self.init(messageID: messageID, enqueuedAt: enqueuedAt, idempotencyKey: idempotencyKey, mailFrom: mailFrom,
                  priority: priority, notBefore: notBefore, expiresAt: expiresAt, bodyByteCount: bodyByteCount,
                  partition: partition, recipients: recipients)
    }
}
