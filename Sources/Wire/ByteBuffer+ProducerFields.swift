import NIOCore
import RaftCore

// MARK: - Shared field encoders and decoders of the producer protocol

extension ByteBuffer {
    /// Reads a 16-byte message id.
    mutating func readMessageID(_ field: String) throws(WireError) -> WireMessageID {
        let high = try readRequired(UInt64.self, field)
        let low = try readRequired(UInt64.self, field)
        return WireMessageID(high: high, low: low)
    }

    /// Writes a 16-byte message id.
    mutating func writeMessageID(_ id: WireMessageID) {
        writeInteger(id.high)
        writeInteger(id.low)
    }

    /// Reads a `u16` count and checks it against `range`.
    mutating func readCount(_ field: String, range: ClosedRange<Int>) throws(WireError) -> Int {
        let count = Int(try readRequired(UInt16.self, field))
        try ProducerFieldCheck.count(count, field, range: range)
        return count
    }

    /// Writes `count` as a `u16`. The caller has checked that it fits.
    mutating func writeCount(_ count: Int) {
        precondition(count <= Int(UInt16.max), "a producer count of \(count) does not fit a u16")
        writeInteger(UInt16(count))
    }

    /// Writes `text` cut to `limit` UTF-8 bytes.
    mutating func writeTruncated(_ text: String, limit: Int) {
        writeLengthPrefixed(ProducerFieldCheck.truncated(text, limit: limit))
    }

    /// Reads a `u8` suppression reason.
    mutating func readSuppressionReason() throws(WireError) -> SuppressionReasonCode {
        let raw = try readRequired(UInt8.self, "reason")
        guard let reason = SuppressionReasonCode(rawValue: raw) else { throw WireError.malformed("unknown reason \(raw)") }
        return reason
    }

    /// Reads a `u64` node id where 0 means "none".
    mutating func readOptionalNode(_ field: String) throws(WireError) -> NodeID? {
        let raw = try readRequired(UInt64.self, field)
        return raw == 0 ? nil : NodeID(raw)
    }

    // MARK: Envelope

    /// Writes an envelope. The caller has validated it.
    mutating func writeEnvelope(_ envelope: EnvelopeFields) {
        writeLengthPrefixed(envelope.mailFrom)
        writeCount(envelope.recipients.count)
        for recipient in envelope.recipients { writeLengthPrefixed(recipient) }
        writeLengthPrefixed(envelope.idempotencyKey)
        writeInteger(envelope.priority)
        writeInteger(envelope.notBeforeMilliseconds)
        writeInteger(envelope.expiresAtMilliseconds)
        writeLengthPrefixed(envelope.message)
    }

    /// Reads an envelope, enforcing `ProducerLimits`.
    mutating func readEnvelope() throws(WireError) -> EnvelopeFields {
        let mailFrom = try readLengthPrefixedString("mailFrom", limit: ProducerLimits.maxAddressBytes)
        let count = try readCount("recipient count", range: 1...ProducerLimits.maxRecipients)
        var recipients: [String] = []
        recipients.reserveCapacity(min(count, 64))
        for _ in 0..<count {
            recipients.append(try readLengthPrefixedString("recipient", limit: ProducerLimits.maxAddressBytes))
        }
        let key = try readLengthPrefixedString("idempotencyKey", limit: ProducerLimits.maxIdempotencyKeyBytes)
        let priority = try readRequired(UInt8.self, "priority")
        guard priority <= ProducerLimits.maxPriority else {
            throw WireError.malformed("priority \(priority) exceeds \(ProducerLimits.maxPriority)")
        }
        let notBefore = try readRequired(UInt64.self, "notBefore")
        let expiresAt = try readRequired(UInt64.self, "expiresAt")
        let message = try readLengthPrefixedBytes("message", limit: Int(UInt32.max))
        return EnvelopeFields(mailFrom: mailFrom, recipients: recipients, message: message, idempotencyKey: key,
                              priority: priority, notBeforeMilliseconds: notBefore, expiresAtMilliseconds: expiresAt)
    }

    // MARK: Enqueue acknowledgement

    /// Writes the body of `enqueued` (after the request id).
    mutating func writeEnqueueAck(_ ack: EnqueueAck) {
        precondition(ack.suppressed.count <= ProducerLimits.maxRecipients, "more suppressed recipients than recipients")
        writeMessageID(ack.id)
        writeInteger(ack.term.rawValue)
        writeInteger(ack.index.rawValue)
        writeInteger(UInt8(ack.duplicate ? 1 : 0))
        writeCount(ack.suppressed.count)
        for address in ack.suppressed { writeLengthPrefixed(address) }
    }

    /// Reads the body of `enqueued`.
    mutating func readEnqueueAck() throws(WireError) -> EnqueueAck {
        let id = try readMessageID("id")
        let term = Term(try readRequired(UInt64.self, "term"))
        let index = LogIndex(try readRequired(UInt64.self, "index"))
        let duplicate = try readBool("duplicate")
        let count = try readCount("suppressed count", range: 0...ProducerLimits.maxRecipients)
        var suppressed: [String] = []
        suppressed.reserveCapacity(min(count, 64))
        for _ in 0..<count {
            suppressed.append(try readLengthPrefixedString("suppressed recipient", limit: ProducerLimits.maxAddressBytes))
        }
        return EnqueueAck(id: id, term: term, index: index, duplicate: duplicate, suppressed: suppressed)
    }

    // MARK: Suppression entry

    /// Writes `address, reason, source, since`.
    mutating func writeSuppressionEntry(_ entry: SuppressionEntry) {
        writeLengthPrefixed(entry.address)
        writeInteger(entry.reason.rawValue)
        writeLengthPrefixed(entry.source)
        writeInteger(entry.sinceMilliseconds)
    }

    /// Reads `address, reason, source, since`.
    mutating func readSuppressionEntry() throws(WireError) -> SuppressionEntry {
        let address = try readLengthPrefixedString("address", limit: ProducerLimits.maxAddressBytes)
        let reason = try readSuppressionReason()
        let source = try readLengthPrefixedString("source", limit: ProducerLimits.maxSourceBytes)
        let since = try readRequired(UInt64.self, "since")
        return SuppressionEntry(address: address, reason: reason, source: source, sinceMilliseconds: since)
    }

    /// Throws unless every byte has been read.
    func requireFullyRead(_ what: @autoclosure () -> String) throws(WireError) {
        // NB: lazily: describing the request kind for every decoded frame cost ~2 % of a
        // leader's CPU (enum interpolation goes through reflection).
        guard readableBytes == 0 else { throw WireError.malformed("\(readableBytes) trailing bytes after \(what())") }
    }
}
