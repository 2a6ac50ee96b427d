public import Wire

// MARK: - One method per request

extension HeraldClient {
    /// Queues one message. Returns once the enqueue is committed on a majority and applied.
    /// - Parameter envelope: the message and its envelope; give it an idempotency key to
    ///   make retries after `connectionLost`, `timeout` or `outcomeUnknown` safe.
    /// - Returns: the message id (the earlier message's id for a duplicate key) and the
    ///   recipients dropped because they are suppressed.
    /// - Throws: `HeraldClientError`; `.refused` carries the node's code
    ///   (`invalidAddress`, `unavailable`, …).
    public func enqueue(_ envelope: EnvelopeFields) async throws(HeraldClientError) -> EnqueueAck {
        let response = try await send(.enqueue(envelope))
        guard case .enqueued(let ack) = response else { throw Self.unexpected(response, for: "enqueue") }
        return ack
    }

    /// Queues 1–1000 messages in one request; each is accepted or refused on its own.
    /// - Parameter envelopes: the messages.
    /// - Returns: one result per envelope, in order.
    /// - Throws: `HeraldClientError` when the batch as a whole fails.
    public func enqueueBatch(_ envelopes: [EnvelopeFields]) async throws(HeraldClientError) -> [Result<EnqueueAck, ProducerError>] {
        let response = try await send(.enqueueBatch(envelopes))
        guard case .batchResult(let results) = response, results.count == envelopes.count else {
            throw Self.unexpected(response, for: "enqueue batch of \(envelopes.count)")
        }
        return results
    }

    /// Where every recipient of a message stands.
    /// - Parameter id: the message.
    /// - Returns: the message's status.
    /// - Throws: `HeraldClientError`; `.refused` with `notFound` for an unknown id.
    public func messageStatus(_ id: WireMessageID) async throws(HeraldClientError) -> MessageStatusReport {
        let response = try await send(.messageStatus(id))
        guard case .messageStatus(let report) = response else { throw Self.unexpected(response, for: "message status") }
        return report
    }

    /// Cancels the message's recipients that are still queued.
    /// - Parameter id: the message.
    /// - Returns: how many recipients were cancelled.
    /// - Throws: `HeraldClientError`; `.refused` with `notFound` for an unknown id.
    public func cancel(_ id: WireMessageID) async throws(HeraldClientError) -> Int {
        let response = try await send(.cancel(id))
        guard case .cancelled(let recipients) = response else { throw Self.unexpected(response, for: "cancel") }
        return recipients
    }

    /// Adds an address to the suppression list (or updates its reason and source).
    /// - Parameters:
    ///   - address: the address to stop sending to.
    ///   - reason: why.
    ///   - source: who or what asked, for the record.
    /// - Throws: `HeraldClientError`; `.refused` with `invalidAddress` for a bad address.
    public func suppressAdd(_ address: String, reason: SuppressionReasonCode, source: String = "") async throws(HeraldClientError) {
        let response = try await send(.suppressAdd(address: address, reason: reason, source: source))
        guard case .ok = response else { throw Self.unexpected(response, for: "suppress add") }
    }

    /// Removes an address from the suppression list.
    /// - Parameter address: the address.
    /// - Returns: whether it was on the list.
    /// - Throws: `HeraldClientError`.
    public func suppressRemove(_ address: String) async throws(HeraldClientError) -> Bool {
        let response = try await send(.suppressRemove(address: address))
        guard case .removed(let found) = response else { throw Self.unexpected(response, for: "suppress remove") }
        return found
    }

    /// Looks an address up in the suppression list.
    /// - Parameter address: the address.
    /// - Returns: its entry, or `nil` when it is not suppressed.
    /// - Throws: `HeraldClientError`.
    public func suppressCheck(_ address: String) async throws(HeraldClientError) -> SuppressionEntry? {
        let response = try await send(.suppressCheck(address: address))
        guard case .suppression(let entry) = response else { throw Self.unexpected(response, for: "suppress check") }
        return entry
    }

    /// One page of the suppression list, in address order.
    /// - Parameters:
    ///   - after: start after this address (exclusive); empty for the start of the list.
    ///   - limit: the most entries to return, 1–1000.
    /// - Returns: up to `limit` entries; ask again with the last address for more.
    /// - Throws: `HeraldClientError`.
    public func suppressList(after: String = "", limit: Int = ProducerLimits.maxListLimit) async throws(HeraldClientError) -> [SuppressionEntry] {
        let response = try await send(.suppressList(after: after, limit: limit))
        guard case .suppressionList(let entries) = response, entries.count <= limit else {
            throw Self.unexpected(response, for: "suppress list")
        }
        return entries
    }

    /// The answering node's view of the cluster: leader, term and per-node progress.
    /// - Returns: the report.
    /// - Throws: `HeraldClientError`.
    public func clusterStatus() async throws(HeraldClientError) -> ClusterStatusReport {
        let response = try await send(.clusterStatus)
        guard case .clusterStatus(let report) = response else { throw Self.unexpected(response, for: "cluster status") }
        return report
    }

    private static func unexpected(_ response: ProducerResponse, for request: String) -> HeraldClientError {
        HeraldClientError(code: .protocolViolation, detail: "the node answered \(request) with \(response.kind)")
    }
}
