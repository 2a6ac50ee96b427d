// MARK: - Read helpers for status queries
//
// Pure decoding over a reader: the node answers status and admin queries with these,
// against the store (after a ReadIndex when the answer must be linearizable).

extension QueueStateMachine {
    /// The status of one message.
    /// - Parameters:
    ///   - messageID: the message.
    ///   - reader: the state to read.
    /// - Returns: the status, or `nil` if no message has that id.
    /// - Throws: `CorruptStateError` if the stored record cannot be decoded.
    public func messageStatus(of messageID: MessageID, reader: some QueueStateReader)
        throws(CorruptStateError) -> MessageStatus?
    {
        guard let record = try loadMessageRecord(messageID, reader: reader) else { return nil }
        return MessageStatus(record: record, bodyStored: reader.value(in: .bodies, key: messageID.bytes) != nil)
    }

    /// The suppression that stops mail to `address`: the address's own entry if there
    /// is one, else its domain's (`@example.com`). Matching is exact after
    /// normalisation: `@example.com` does not cover `mail.example.com`.
    /// - Parameters:
    ///   - address: an address, in any case.
    ///   - reader: the state to read.
    /// - Returns: the suppression record, or `nil` if mail to `address` is allowed.
    /// - Throws: `CorruptStateError` if a stored record cannot be decoded.
    public func suppression(of address: String, reader: some QueueStateReader)
        throws(CorruptStateError) -> SuppressionRecord?
    {
        let key = SuppressionAddress.normalisedBytes(address)
        if let own = try loadSuppressionRecord(key: key, reader: reader) {
            return own
        }
        guard let domain = SuppressionAddress.domainKeyBytes(ofNormalised: key) else { return nil }
        return try loadSuppressionRecord(key: domain, reader: reader)
    }

    /// One page of the suppression list, in key order (domain entries, which start
    /// with `@`, sort before most addresses).
    /// - Parameters:
    ///   - after: the `address` of the last record of the previous page, or `nil`.
    ///   - limit: the most records to return.
    ///   - reader: the state to read.
    /// - Returns: up to `limit` records.
    /// - Throws: `CorruptStateError` if a stored record cannot be decoded.
    public func listSuppressions(after: String?, limit: Int, reader: some QueueStateReader)
        throws(CorruptStateError) -> [SuppressionRecord]
    {
        let afterKey = after.map { Array(SuppressionAddress.normalise($0).utf8) }
        var records: [SuppressionRecord] = []
        for entry in reader.scan(in: .suppression, prefix: [], after: afterKey, limit: limit) {
            do {
                records.append(try SuppressionRecord(decoding: entry.value))
            } catch {
                throw CorruptStateError(family: .suppression, key: entry.key, reason: error)
            }
        }
        return records
    }

    /// One page of a partition's waiting recipients, in ready-time order: what a
    /// delivery worker scans.
    /// - Parameters:
    ///   - partition: the partition.
    ///   - after: the last key of the previous page, or `nil`.
    ///   - limit: the most keys to return.
    ///   - reader: the state to read.
    /// - Returns: up to `limit` keys with the message's priority.
    /// - Throws: `CorruptStateError` if a stored key cannot be decoded.
    public func queuedRecipients(in partition: UInt16, after: QueueKey?, limit: Int, reader: some QueueStateReader)
        throws(CorruptStateError) -> [(key: QueueKey, priority: UInt8)]
    {
        var result: [(key: QueueKey, priority: UInt8)] = []
        for entry in reader.scan(in: .queue, prefix: QueueKey.prefix(partition: partition), after: after?.bytes,
                                 limit: limit) {
            do {
                result.append((key: try QueueKey(decoding: entry.key), priority: entry.value.first ?? 0))
            } catch {
                throw CorruptStateError(family: .queue, key: entry.key, reason: error)
            }
        }
        return result
    }
}
