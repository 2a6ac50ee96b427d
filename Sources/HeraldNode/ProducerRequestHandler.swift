import Foundation
import QueueModel
import RaftCore
import Wire

/// Answers producer requests: validation, proposing commands through Raft, reads from
/// the applied state, and forwarding to the leader when this node does not lead.
///
/// Reads are served by the leader from its applied state, which holds every write it
/// has acknowledged; a follower forwards them so a producer always reads its writes.
struct ProducerRequestHandler: Sendable {
    let me: NodeID
    let raft: RaftService<QueueApplier>
    let applier: QueueApplier
    let machine: QueueStateMachine
    let validator: EnvelopeValidator
    let forwarder: LeaderForwarder
    /// Refuses new messages while the data disk is nearly full.
    let diskSpace: DiskSpaceGuard
    /// Where fresh message ids come from.
    let messageIDs = MessageIDSequence()
    let clusterStatus: @Sendable () async -> ClusterStatusReport

    /// Answers one request. `forwarded` is true when another node already forwarded it
    /// here, so it is never forwarded twice (no loops during leader changes).
    func respond(to request: ProducerRequest, forwarded: Bool) async -> ProducerResponse {
        switch request {
        case .hello:
            return .error(.malformedRequest, detail: "hello was already received on this connection")
        case .clusterStatus:
            return .clusterStatus(await clusterStatus())
        default:
            break
        }
        let status = await raft.status()
        guard status.role == .leader else {
            return await forward(request, leader: status.leader, forwarded: forwarded)
        }
        switch request {
        case .enqueue(let envelope):
            switch await enqueue(envelope) {
            case .success(let ack): return .enqueued(ack)
            case .failure(let error): return .error(error.code, detail: error.detail)
            }
        case .enqueueBatch(let envelopes):
            // Each envelope is its own entry; proposed together they share one fsync.
            let results = await withTaskGroup(of: (Int, Result<EnqueueAck, ProducerError>).self) { group in
                for (position, envelope) in envelopes.enumerated() {
                    group.addTask { (position, await enqueue(envelope)) }
                }
                var results = [Result<EnqueueAck, ProducerError>?](repeating: nil, count: envelopes.count)
                for await (position, result) in group { results[position] = result }
                return results.map { $0! }
            }
            return .batchResult(results)
        case .messageStatus(let id):
            return messageStatus(id)
        case .cancel(let id):
            return await propose(.cancel(MessageID(id), at: Timestamp.now())) { outcome in
                switch outcome {
                case .cancelled(let count): .cancelled(recipients: count)
                case .alreadyFinal: .cancelled(recipients: 0)
                case .notFound: .error(.notFound, detail: "no message \(id)")
                default: .error(.internal, detail: "unexpected outcome \(outcome)")
                }
            }
        case .suppressAdd(let address, let reason, let source):
            let entry = QueueModel.SuppressionEntry(address: address, reason: SuppressionReason(reason), source: source)
            do {
                try validator.validateSuppression(entry)
            } catch {
                return .error(error.producerCode, detail: error.description)
            }
            return await propose(.suppress(entry, at: Timestamp.now())) { _ in .ok }
        case .suppressRemove(let address):
            return await propose(.unsuppress(address, at: Timestamp.now())) { outcome in
                if case .unsuppressed(let found) = outcome { return .removed(found: found) }
                return .error(.internal, detail: "unexpected outcome \(outcome)")
            }
        case .suppressCheck(let address):
            return read { reader in
                .suppression(try machine.suppression(of: address, reader: reader).map(Wire.SuppressionEntry.init))
            }
        case .suppressList(let after, let limit):
            return read { reader in
                .suppressionList(try machine.listSuppressions(after: after.isEmpty ? nil : after, limit: limit, reader: reader)
                    .map(Wire.SuppressionEntry.init))
            }
        case .hello, .clusterStatus:
            preconditionFailure("answered above")
        }
    }

    // MARK: - Writes

    /// The fast path for a single enqueue: when this node leads, validates and proposes
    /// at once and answers through `completion` from the Raft loop (no task waits).
    /// - Returns: false when this node does not lead; the caller then uses `respond`.
    func enqueueIfLeading(_ envelope: EnvelopeFields, completion: @escaping @Sendable (ProducerResponse) -> Void) -> Bool {
        guard raft.currentStatus.role == .leader else { return false }
        enqueue(envelope) { result in
            switch result {
            case .success(let ack): completion(.enqueued(ack))
            case .failure(let error): completion(.error(error.code, detail: error.detail))
            }
        }
        return true
    }

    private func enqueue(_ envelope: EnvelopeFields) async -> Result<EnqueueAck, ProducerError> {
        await withCheckedContinuation { continuation in
            enqueue(envelope) { continuation.resume(returning: $0) }
        }
    }

    /// Validates and proposes an enqueue; `completion` gets the ack or the refusal
    /// (at once for an invalid envelope, otherwise from the Raft loop).
    private func enqueue(_ envelope: EnvelopeFields,
                         completion: @escaping @Sendable (Result<EnqueueAck, ProducerError>) -> Void) {
        switch prepareEnqueue(envelope) {
        case .failure(let error): completion(.failure(error))
        case .success(let command): raft.propose(command.encoded()) { completion(Self.enqueueResult($0)) }
        }
    }

    /// Builds and validates the enqueue command (a fresh message id, the leader's time).
    private func prepareEnqueue(_ envelope: EnvelopeFields) -> Result<QueueCommand, ProducerError> {
        let stamp = Timestamp.now()
        let request = EnqueueRequest(
            messageID: messageIDs.next(at: stamp),
            idempotencyKey: envelope.idempotencyKey.isEmpty ? nil : envelope.idempotencyKey,
            mailFrom: envelope.mailFrom, recipients: envelope.recipients, message: envelope.message,
            priority: envelope.priority,
            notBefore: envelope.notBeforeMilliseconds == 0 ? nil : Timestamp(millisecondsSinceEpoch: envelope.notBeforeMilliseconds),
            expiresAt: envelope.expiresAtMilliseconds == 0 ? nil : Timestamp(millisecondsSinceEpoch: envelope.expiresAtMilliseconds))
        do {
            try validator.validate(request)
        } catch {
            return .failure(ProducerError(code: error.producerCode, detail: error.description))
        }
        // NB: after validation, so a message that can never be accepted is not answered
        // with an error that asks the producer to retry it.
        if let refusal = diskSpace.refusal(at: me.rawValue) { return .failure(refusal) }
        return .success(.enqueue(request, at: stamp))
    }

    /// Maps what applying an enqueue did (or why it failed) to the producer's answer.
    private static func enqueueResult(_ result: Result<QueueApplier.Applied, ProposeFailure>) -> Result<EnqueueAck, ProducerError> {
        let applied: QueueApplier.Applied
        switch result {
        case .success(let outcome): applied = outcome
        case .failure(let failure):
            guard case .error(let code, let detail) = failure.producerResponse else {
                return .failure(ProducerError(code: .internal, detail: "\(failure)"))
            }
            return .failure(ProducerError(code: code, detail: detail))
        }
        let (term, index) = (applied.term, applied.index)
        switch applied.outcome {
        case .enqueued(let id, let suppressed):
            return .success(EnqueueAck(id: WireMessageID(id), term: term, index: index, suppressed: suppressed))
        case .duplicate(let original, let suppressed):
            return .success(EnqueueAck(id: WireMessageID(original), term: term, index: index, duplicate: true,
                                       suppressed: suppressed))
        case .rejected(let rejection):
            return .failure(ProducerError(code: .invalidMessage, detail: "\(rejection)"))
        default:
            return .failure(ProducerError(code: .internal, detail: "unexpected outcome \(applied.outcome)"))
        }
    }

    /// Proposes `command` and maps what applying it did.
    private func propose(_ command: QueueCommand,
                         _ map: (CommandOutcome) -> ProducerResponse) async -> ProducerResponse {
        await proposeTracked(command, map).response
    }

    /// Proposes `command`; also returns the term and index its entry got.
    private func proposeTracked(_ command: QueueCommand, _ map: (CommandOutcome) -> ProducerResponse) async
        -> (response: ProducerResponse, term: Term, index: LogIndex)
    {
        do {
            let applied = try await raft.propose(command.encoded())
            return (map(applied.outcome), applied.term, applied.index)
        } catch let failure as ProposeFailure {
            return (failure.producerResponse, .zero, .zero)
        } catch {
            return (.error(.internal, detail: "\(error)"), .zero, .zero)
        }
    }

    // MARK: - Reads

    private func messageStatus(_ id: WireMessageID) -> ProducerResponse {
        read { reader in
            guard let status = try machine.messageStatus(of: MessageID(id), reader: reader) else {
                return .error(.notFound, detail: "no message \(id)")
            }
            let record = status.record
            return .messageStatus(MessageStatusReport(
                id: id, enqueuedAtMilliseconds: record.enqueuedAt.rawValue,
                recipients: record.recipients.map {
                    MessageStatusReport.Recipient(address: $0.address, state: RecipientStateCode($0.state))
                }))
        }
    }

    private func read(_ body: (StateStoreReader) throws -> ProducerResponse) -> ProducerResponse {
        do {
            return try applier.read(body)
        } catch {
            return .error(.internal, detail: "state read failed: \(error)")
        }
    }

    // MARK: - Forwarding

    private func forward(_ request: ProducerRequest, leader: NodeID?, forwarded: Bool) async -> ProducerResponse {
        guard !forwarded else {
            return .error(.unavailable, detail: "node \(me) received a forwarded request but does not lead; retry")
        }
        guard let leader, leader != me else {
            return .error(.unavailable, detail: "no leader is known (an election is in progress); retry")
        }
        return await forwarder.forward(request, to: leader)
    }
}

extension ProposeFailure {
    /// The producer-facing answer to a failed proposal.
    var producerResponse: ProducerResponse {
        switch self {
        case .refused(.notLeader(let hint)):
            .error(.unavailable, detail: "this node stopped leading\(hint.map { " (leader: \($0))" } ?? ""); retry")
        case .refused(.overloaded(let bytes, let limit)):
            .error(.overloaded, detail: "\(bytes) bytes uncommitted at the leader (limit \(limit)); retry later")
        case .refused(.tooLarge(let bytes, let limit)):
            .error(.messageTooLarge, detail: "entry of \(bytes) bytes exceeds \(limit)")
        case .refused(.transferInProgress):
            .error(.unavailable, detail: "leadership transfer in progress; retry")
        case .refused(let other):
            .error(.internal, detail: "\(other)")
        case .outcomeUnknown:
            .error(.outcomeUnknown, detail: "\(self); retry with the same idempotency key")
        case .shuttingDown:
            .error(.unavailable, detail: "the node is shutting down; retry")
        }
    }
}
