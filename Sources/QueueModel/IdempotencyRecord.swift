/// The stored record of one producer idempotency key in the `idempotency` family,
/// keyed by the key's UTF-8 bytes: which message the key created, and when.
public struct IdempotencyRecord: Hashable, Sendable {
    /// The message the key's first enqueue created.
    public var messageID: MessageID
    /// The timestamp of that enqueue; the window runs from here.
    public var enqueuedAt: Timestamp

    /// Creates a record.
    /// - Parameters:
    ///   - messageID: the original message.
    ///   - enqueuedAt: when it was enqueued.
    public init(messageID: MessageID, enqueuedAt: Timestamp) {
        self.messageID = messageID
        self.enqueuedAt = enqueuedAt
    }

    /// The version byte this build writes and reads.
    public static let encodingVersion: UInt8 = 1

    /// Whether a retry stamped `now` falls inside the window, so it is a duplicate.
    ///
    /// NB: a `now` earlier than `enqueuedAt` (a new leader whose clock is behind) counts
    /// as inside the window: treating it as a new message could send twice.
    /// - Parameters:
    ///   - now: the retry's command timestamp.
    ///   - window: the window in milliseconds.
    /// - Returns: `true` while the key is remembered.
    public func isRemembered(at now: Timestamp, window: UInt64) -> Bool {
        now < enqueuedAt.adding(milliseconds: window)
    }

    /// The stored form: `u8 version | 16B messageID | u64 enqueuedAt`.
    /// - Returns: the bytes to store.
    public func encoded() -> [UInt8] {
        var bytes: [UInt8] = [Self.encodingVersion]
        bytes.append(messageID)
        bytes.append(enqueuedAt)
        return bytes
    }

    /// Decodes a stored record.
    /// - Parameter bytes: the stored value.
    /// - Throws: `ByteDecodingError` if the bytes are not a version-1 record.
    public init(decoding bytes: [UInt8]) throws(ByteDecodingError) {
        guard !bytes.isEmpty else { throw .empty }
        var reader = ByteReader(bytes)
        let version = try reader.readByte("idempotency.version")
        guard version == Self.encodingVersion else { throw .unsupportedVersion(version) }
        let messageID = try reader.readMessageID("idempotency.messageID")
        let enqueuedAt = try reader.readTimestamp("idempotency.enqueuedAt")
        try reader.expectEnd()
        self.init(messageID: messageID, enqueuedAt: enqueuedAt)
    }
}
