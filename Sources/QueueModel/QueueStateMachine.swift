/// The replicated state machine of the queue: turns one committed command plus the
/// current state into the writes it causes and what it did. Pure and deterministic:
/// the same command, index, config and state give the same mutations, byte for byte,
/// on every node. It reads no clock (time is `QueueCommand.timestamp`) and writes
/// nothing itself.
///
/// Order of work for the shell, per batch of committed entries (see `applyBatch`):
/// decode each entry, apply it against a `MutationOverlay` of the store, record its
/// mutations in the overlay, advance the `StateDigest`; then write every mutation and
/// the digest's `meta` record in ONE atomic batch; only then answer the proposers.
public struct QueueStateMachine: Sendable {
    /// The settings; MUST be equal on every node.
    public let config: QueueModelConfig

    /// Creates a state machine.
    /// - Parameter config: the cluster-wide queue settings.
    public init(config: QueueModelConfig = QueueModelConfig()) {
        self.config = config
    }

    /// Applies one command.
    /// - Parameters:
    ///   - command: the decoded command of the entry at `index`.
    ///   - index: the entry's log index (unused by the current commands; kept so later
    ///     commands such as `claim` can record it).
    ///   - reader: the state before this command, including earlier commands of the
    ///     same batch (a `MutationOverlay`).
    /// - Returns: the mutations to write and the outcome to report.
    /// - Throws: `CorruptStateError` if a stored record cannot be decoded; the node
    ///   MUST stop.
    public func apply(_ command: QueueCommand, index: AppliedIndex, reader: some QueueStateReader)
        throws(CorruptStateError) -> ApplyResult
    {
        switch command.action {
        case .enqueue(let request):
            try enqueue(request, at: command.timestamp, reader: reader)
        case .cancel(let messageID):
            try cancel(messageID, at: command.timestamp, reader: reader)
        case .suppress(let entry):
            suppress(entry, at: command.timestamp)
        case .unsuppress(let address):
            unsuppress(address, reader: reader)
        case .expireIdempotencyKeys(let before, let limit):
            try expireIdempotencyKeys(before: before, limit: limit, at: command.timestamp, reader: reader)
        }
    }

    // MARK: - Enqueue

    private func enqueue(_ request: EnqueueRequest, at now: Timestamp, reader: some QueueStateReader)
        throws(CorruptStateError) -> ApplyResult
    {
        // A key remembered from before the window is overwritten below; its index entry goes.
        var forgottenRecord: IdempotencyRecord?
        if let key = request.idempotencyKey,
           let original = try loadIdempotencyRecord(key: IdempotencyKeys.recordKey(key), reader: reader)
        {
            if original.isRemembered(at: now, window: config.idempotencyWindow) {
                // NB: the retry gets the original's answer, suppressed recipients included:
                // a producer that lost the first ack learns them only here.
                let suppressed = try loadMessageRecord(original.messageID, reader: reader)?.recipients
                    .filter { $0.state == .suppressed }.map(\.address) ?? []
                return ApplyResult(mutations: [], outcome: .duplicate(original: original.messageID, suppressed: suppressed))
            }
            forgottenRecord = original
        }
        guard !request.recipients.isEmpty else {
            return ApplyResult(mutations: [], outcome: .rejected(.noRecipients))
        }
        guard request.recipients.count <= Int(UInt16.max) + 1 else {
            return ApplyResult(mutations: [], outcome: .rejected(.tooManyRecipients(count: request.recipients.count)))
        }
        let idBytes = request.messageID.bytes
        guard reader.value(in: .messages, key: idBytes) == nil else {
            return ApplyResult(mutations: [], outcome: .rejected(.messageIDInUse(request.messageID)))
        }

        let readyAt = max(now, request.notBefore ?? now)
        let alreadyExpired = request.expiresAt.map { $0 <= now } ?? false
        var recipients: [MessageRecord.Recipient] = []
        recipients.reserveCapacity(request.recipients.count)
        var suppressed: [String] = []
        for address in request.recipients {
            let state: RecipientState
            if try suppression(of: address, reader: reader) != nil {
                state = .suppressed
                suppressed.append(address)
            } else if alreadyExpired {
                state = .expired
            } else {
                state = .queued
            }
            recipients.append(MessageRecord.Recipient(address: address, state: state, readyAt: readyAt, updatedAt: now))
        }
        let record = MessageRecord(
            messageID: request.messageID, enqueuedAt: now, idempotencyKey: request.idempotencyKey,
            mailFrom: request.mailFrom, priority: request.priority, notBefore: request.notBefore,
            expiresAt: request.expiresAt, bodyByteCount: request.message.count,
            partition: QueueKey.partition(of: request.messageID, partitionCount: config.partitionCount),
            recipients: recipients)

        var mutations: [StateMutation] = [.put(.messages, key: idBytes, value: record.encoded())]
        // NB: the body is kept only while some recipient may still be sent to.
        if recipients.contains(where: { $0.state.isWaiting }) {
            mutations.append(.put(.bodies, key: idBytes, value: request.message))
        }
        for index in recipients.indices where recipients[index].state.isWaiting {
            mutations.append(.put(.queue, key: record.queueKey(ofRecipient: index).bytes, value: [record.priority]))
        }
        if let key = request.idempotencyKey {
            if let forgottenRecord {
                mutations.append(.delete(.idempotency,
                                         key: IdempotencyKeys.expiryKey(key, enqueuedAt: forgottenRecord.enqueuedAt)))
            }
            let remembered = IdempotencyRecord(messageID: request.messageID, enqueuedAt: now)
            mutations.append(.put(.idempotency, key: IdempotencyKeys.recordKey(key), value: remembered.encoded()))
            mutations.append(.put(.idempotency, key: IdempotencyKeys.expiryKey(key, enqueuedAt: now), value: []))
        }
        return ApplyResult(mutations: mutations, outcome: .enqueued(request.messageID, suppressed: suppressed))
    }

    // MARK: - Cancel

    private func cancel(_ messageID: MessageID, at now: Timestamp, reader: some QueueStateReader)
        throws(CorruptStateError) -> ApplyResult
    {
        guard var record = try loadMessageRecord(messageID, reader: reader) else {
            return ApplyResult(mutations: [], outcome: .notFound)
        }
        var mutations: [StateMutation] = []
        var count = 0
        for index in record.recipients.indices where record.recipients[index].state.isWaiting {
            mutations.append(.delete(.queue, key: record.queueKey(ofRecipient: index).bytes))
            record.recipients[index].state = .cancelled
            record.recipients[index].updatedAt = now
            count += 1
        }
        guard count > 0 else {
            return ApplyResult(mutations: [], outcome: .alreadyFinal)
        }
        let idBytes = messageID.bytes
        mutations.insert(.put(.messages, key: idBytes, value: record.encoded()), at: 0)
        mutations.insert(.delete(.bodies, key: idBytes), at: 1)
        return ApplyResult(mutations: mutations, outcome: .cancelled(count: count))
    }

    // MARK: - Suppression

    private func suppress(_ entry: SuppressionEntry, at now: Timestamp) -> ApplyResult {
        let address = SuppressionAddress.normalise(entry.address)
        guard SuppressionAddress.isUsable(address) else {
            return ApplyResult(mutations: [], outcome: .rejected(.unusableSuppressionAddress(entry.address)))
        }
        let record = SuppressionRecord(address: address, reason: entry.reason, source: entry.source, suppressedAt: now)
        return ApplyResult(
            mutations: [.put(.suppression, key: Array(address.utf8), value: record.encoded())],
            outcome: .suppressed)
    }

    private func unsuppress(_ address: String, reader: some QueueStateReader) -> ApplyResult {
        let key = Array(SuppressionAddress.normalise(address).utf8)
        guard reader.value(in: .suppression, key: key) != nil else {
            return ApplyResult(mutations: [], outcome: .unsuppressed(found: false))
        }
        return ApplyResult(mutations: [.delete(.suppression, key: key)], outcome: .unsuppressed(found: true))
    }

    // MARK: - Idempotency key expiry

    private func expireIdempotencyKeys(before: Timestamp, limit: UInt32, at now: Timestamp,
                                       reader: some QueueStateReader) throws(CorruptStateError) -> ApplyResult
    {
        // NB: never forget a key still inside the window, even if the leader asks to:
        // that would let a producer's retry enqueue a second copy.
        let windowStart = now.subtracting(milliseconds: config.idempotencyWindow)
        let cutoff = min(before, windowStart)
        let entries = reader.scan(in: .idempotency, prefix: [IdempotencyKeys.expiryTag], limit: Int(limit))
        var mutations: [StateMutation] = []
        var count = 0
        var reachedCutoff = false
        for entry in entries {
            let parsed: (enqueuedAt: Timestamp, recordKey: [UInt8])
            do {
                parsed = try IdempotencyKeys.parseExpiryKey(entry.key)
            } catch {
                throw CorruptStateError(family: .idempotency, key: entry.key, reason: error)
            }
            guard parsed.enqueuedAt < cutoff else {
                reachedCutoff = true
                break
            }
            mutations.append(.delete(.idempotency, key: entry.key))
            mutations.append(.delete(.idempotency, key: parsed.recordKey))
            count += 1
        }
        let more = !reachedCutoff && entries.count == Int(limit) && limit > 0
        return ApplyResult(mutations: mutations, outcome: .idempotencyKeysExpired(count: count, more: more))
    }

    // MARK: - Loading stored records

    func loadMessageRecord(_ messageID: MessageID, reader: some QueueStateReader)
        throws(CorruptStateError) -> MessageRecord?
    {
        let key = messageID.bytes
        guard let bytes = reader.value(in: .messages, key: key) else { return nil }
        do {
            return try MessageRecord(decoding: bytes)
        } catch {
            throw CorruptStateError(family: .messages, key: key, reason: error)
        }
    }

    func loadIdempotencyRecord(key: [UInt8], reader: some QueueStateReader)
        throws(CorruptStateError) -> IdempotencyRecord?
    {
        guard let bytes = reader.value(in: .idempotency, key: key) else { return nil }
        do {
            return try IdempotencyRecord(decoding: bytes)
        } catch {
            throw CorruptStateError(family: .idempotency, key: key, reason: error)
        }
    }

    func loadSuppressionRecord(key: [UInt8], reader: some QueueStateReader)
        throws(CorruptStateError) -> SuppressionRecord?
    {
        guard let bytes = reader.value(in: .suppression, key: key) else { return nil }
        do {
            return try SuppressionRecord(decoding: bytes)
        } catch {
            throw CorruptStateError(family: .suppression, key: key, reason: error)
        }
    }
}
