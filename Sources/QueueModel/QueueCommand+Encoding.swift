// MARK: - Binary form of a command
//
// Version 1, all integers big-endian unless noted; `varint` is unsigned LEB128 in its
// shortest form; `str` is a varint length then that many UTF-8 bytes; `bytes` is a
// varint length then the bytes.
//
//     u8 version (= 1) | u8 tag | u64 timestamp (ms since epoch) | payload
//
//     tag 1 enqueue     16B messageID | u8 flags (bit0 idempotencyKey, bit1 notBefore,
//                       bit2 expiresAt; other bits MUST be 0) | [str idempotencyKey]
//                       | str mailFrom | varint recipientCount | str recipient...
//                       | u8 priority (0...9) | [u64 notBefore] | [u64 expiresAt]
//                       | bytes message
//     tag 2 cancel      16B messageID
//     tag 3 suppress    u8 reason | str address | str source
//     tag 4 unsuppress  str address
//     tag 5 claim       reserved (delivery: owner's intent to attempt)
//     tag 6 result      reserved (delivery: delivered / deferred / bounced / expired)
//     tag 7 assign      reserved (partition ownership)
//     tag 8 expireIdempotencyKeys  u64 before | varint limit (at most maxExpiryLimit)
//
// Nothing follows the payload. A decoder of this version refuses any other version,
// unknown and reserved tags, out-of-range values and trailing bytes.

extension QueueCommand {
    /// The version byte this build writes and reads.
    public static let encodingVersion: UInt8 = 1

    enum Tag: UInt8 {
        case enqueue = 1
        case cancel = 2
        case suppress = 3
        case unsuppress = 4
        case claim = 5
        case result = 6
        case assign = 7
        case expireIdempotencyKeys = 8

        var isReserved: Bool { (Tag.claim.rawValue...Tag.assign.rawValue).contains(rawValue) }
    }

    private enum EnqueueFlag {
        static let idempotencyKey: UInt8 = 1 << 0
        static let notBefore: UInt8 = 1 << 1
        static let expiresAt: UInt8 = 1 << 2
        static let all: UInt8 = idempotencyKey | notBefore | expiresAt
    }

    /// The command's binary form, as it is proposed to Raft and fed to `StateDigest`.
    ///
    /// Deterministic: equal commands give equal bytes. A command that breaks the
    /// field limits (priority above 9, an idempotency key or source longer than 256
    /// bytes) still encodes, but `init(decoding:)` refuses it; the leader validates
    /// before proposing.
    /// - Returns: the encoded bytes.
    public func encoded() -> [UInt8] {
        var bytes: [UInt8] = [Self.encodingVersion]
        switch action {
        case .enqueue(let request):
            bytes.append(Tag.enqueue.rawValue)
            bytes.append(timestamp)
            bytes.reserveCapacity(64 + request.message.count + request.recipients.count * 32)
            bytes.append(request.messageID)
            var flags: UInt8 = 0
            if request.idempotencyKey != nil { flags |= EnqueueFlag.idempotencyKey }
            if request.notBefore != nil { flags |= EnqueueFlag.notBefore }
            if request.expiresAt != nil { flags |= EnqueueFlag.expiresAt }
            bytes.append(flags)
            if let key = request.idempotencyKey { bytes.appendLengthPrefixed(key) }
            bytes.appendLengthPrefixed(request.mailFrom)
            bytes.appendVarint(UInt64(request.recipients.count))
            for recipient in request.recipients { bytes.appendLengthPrefixed(recipient) }
            bytes.append(request.priority)
            if let notBefore = request.notBefore { bytes.append(notBefore) }
            if let expiresAt = request.expiresAt { bytes.append(expiresAt) }
            bytes.appendLengthPrefixed(request.message)
        case .cancel(let messageID):
            bytes.append(Tag.cancel.rawValue)
            bytes.append(timestamp)
            bytes.append(messageID)
        case .suppress(let entry):
            bytes.append(Tag.suppress.rawValue)
            bytes.append(timestamp)
            bytes.append(entry.reason.rawValue)
            bytes.appendLengthPrefixed(entry.address)
            bytes.appendLengthPrefixed(entry.source)
        case .unsuppress(let address):
            bytes.append(Tag.unsuppress.rawValue)
            bytes.append(timestamp)
            bytes.appendLengthPrefixed(address)
        case .expireIdempotencyKeys(let before, let limit):
            bytes.append(Tag.expireIdempotencyKeys.rawValue)
            bytes.append(timestamp)
            bytes.append(before)
            bytes.appendVarint(UInt64(limit))
        }
        return bytes
    }

    /// Decodes a command from its binary form.
    /// - Parameter bytes: exactly one encoded command.
    /// - Throws: `ByteDecodingError` for empty, truncated, malformed, unknown-version,
    ///   unknown or reserved-tag input, or trailing bytes. Never traps.
    public init(decoding bytes: [UInt8]) throws(ByteDecodingError) {
        guard !bytes.isEmpty else { throw .empty }
        var reader = ByteReader(bytes)
        let version = try reader.readByte("version")
        guard version == Self.encodingVersion else { throw .unsupportedVersion(version) }
        let rawTag = try reader.readByte("command tag")
        guard let tag = Tag(rawValue: rawTag) else { throw .unknownCommand(tag: rawTag) }
        guard !tag.isReserved else { throw .reservedCommand(tag: rawTag) }
        let timestamp = try reader.readTimestamp("timestamp")
        let action: Action
        switch tag {
        case .enqueue:
            action = .enqueue(try Self.decodeEnqueue(&reader))
        case .cancel:
            action = .cancel(try reader.readMessageID("cancel.messageID"))
        case .suppress:
            let rawReason = try reader.readByte("suppress.reason")
            guard let reason = SuppressionReason(rawValue: rawReason) else {
                throw .invalidValue(field: "suppress.reason", reason: "unknown reason \(rawReason)")
            }
            let address = try reader.readString("suppress.address")
            let source = try reader.readString("suppress.source", limit: SuppressionEntry.maxSourceBytes)
            action = .suppress(SuppressionEntry(address: address, reason: reason, source: source))
        case .unsuppress:
            action = .unsuppress(address: try reader.readString("unsuppress.address"))
        case .expireIdempotencyKeys:
            let before = try reader.readTimestamp("expireIdempotencyKeys.before")
            let limit = try reader.readVarint("expireIdempotencyKeys.limit")
            // NB: one command is one atomic batch on every node; a huge limit would make
            // every node scan and delete that many keys at once. (No log holds a larger
            // one: this cap came before anything proposed the command.)
            guard limit <= UInt64(QueueCommand.maxExpiryLimit) else {
                throw .invalidValue(field: "expireIdempotencyKeys.limit",
                                    reason: "\(limit) is above \(QueueCommand.maxExpiryLimit)")
            }
            action = .expireIdempotencyKeys(before: before, limit: UInt32(limit))
        case .claim, .result, .assign:
            preconditionFailure("reserved tags were refused above")
        }
        try reader.expectEnd()
        self.init(timestamp: timestamp, action: action)
    }

    private static func decodeEnqueue(_ reader: inout ByteReader) throws(ByteDecodingError) -> EnqueueRequest {
        let messageID = try reader.readMessageID("enqueue.messageID")
        let flags = try reader.readByte("enqueue.flags")
        guard flags & ~EnqueueFlag.all == 0 else {
            throw .invalidValue(field: "enqueue.flags", reason: "unknown flag bits \(flags & ~EnqueueFlag.all)")
        }
        var idempotencyKey: String?
        if flags & EnqueueFlag.idempotencyKey != 0 {
            let key = try reader.readString("enqueue.idempotencyKey", limit: EnqueueRequest.maxIdempotencyKeyBytes)
            guard !key.isEmpty else {
                throw .invalidValue(field: "enqueue.idempotencyKey", reason: "empty key")
            }
            idempotencyKey = key
        }
        let mailFrom = try reader.readString("enqueue.mailFrom")
        let recipientCount = try reader.readCount("enqueue.recipients")
        var recipients: [String] = []
        recipients.reserveCapacity(recipientCount)
        for index in 0..<recipientCount {
            recipients.append(try reader.readString("enqueue.recipients[\(index)]"))
        }
        let priority = try reader.readByte("enqueue.priority")
        guard priority <= EnqueueRequest.maxPriority else {
            throw .invalidValue(field: "enqueue.priority", reason: "\(priority) is outside 0...9")
        }
        let notBefore = try reader.readOptionalTimestamp(
            "enqueue.notBefore", present: flags & EnqueueFlag.notBefore != 0)
        let expiresAt = try reader.readOptionalTimestamp(
            "enqueue.expiresAt", present: flags & EnqueueFlag.expiresAt != 0)
        let message = try reader.readLengthPrefixedBytes("enqueue.message")
        return EnqueueRequest(
            messageID: messageID, idempotencyKey: idempotencyKey, mailFrom: mailFrom, recipients: recipients,
            message: message, priority: priority, notBefore: notBefore, expiresAt: expiresAt)
    }
}
