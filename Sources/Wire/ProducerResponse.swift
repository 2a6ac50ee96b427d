import NIOCore
import RaftCore

/// A node's answer to a producer request (docs/protocol.md). On the wire each is a frame
/// whose payload starts with the `ProducerRequestID` of the request it answers.
/// Decoding enforces `ProducerLimits` and never traps.
public enum ProducerResponse: Equatable, Sendable {
    /// `0x81`: answers `hello`.
    case welcome(ProducerWelcome)
    /// `0x90`: answers `enqueue`; the enqueue is committed and applied.
    case enqueued(EnqueueAck)
    /// `0x91`: answers `enqueueBatch`, one result per envelope in request order.
    case batchResult([Result<EnqueueAck, ProducerError>])
    /// `0x92`: answers `messageStatus`.
    case messageStatus(MessageStatusReport)
    /// `0x93`: answers `cancel`: how many recipients were still queued and are now cancelled.
    case cancelled(recipients: Int)
    /// `0x94`: answers `suppressAdd`.
    case ok
    /// `0x95`: answers `suppressRemove`: whether the address was on the list.
    case removed(found: Bool)
    /// `0x96`: answers `suppressCheck`: the entry, or `nil` when the address is not suppressed.
    case suppression(SuppressionEntry?)
    /// `0x97`: answers `suppressList`, in address order.
    case suppressionList([SuppressionEntry])
    /// `0x98`: answers `clusterStatus`.
    case clusterStatus(ClusterStatusReport)
    /// `0xFF`: the request was refused.
    case error(ProducerErrorCode, detail: String)

    /// The frame kind that carries this response.
    public var kind: ProducerFrameKind {
        switch self {
        case .welcome: .welcome
        case .enqueued: .enqueued
        case .batchResult: .batchResult
        case .messageStatus: .messageStatusResult
        case .cancelled: .cancelled
        case .ok: .ok
        case .removed: .removed
        case .suppression: .suppression
        case .suppressionList: .suppressionList
        case .clusterStatus: .clusterStatusResult
        case .error: .error
        }
    }

    /// Encodes the response as a frame. Details longer than `ProducerLimits.maxDetailBytes`
    /// are cut.
    ///
    /// The node MUST keep the counts within `ProducerLimits` (batch results 1–1000,
    /// suppressed and status recipients ≤ 1000, list entries ≤ 1000, cancelled ≤ 65535,
    /// nodes ≤ 1000) and strings within their byte limits; a count out of range is a bug
    /// and traps.
    /// - Parameter requestID: the id of the request answered, or `.connection`.
    /// - Returns: the frame to write.
    public func frame(requestID: ProducerRequestID) -> Frame {
        var payload = ByteBuffer()
        payload.writeInteger(requestID.rawValue)
        switch self {
        case .welcome(let welcome):
            payload.writeInteger(welcome.version)
            payload.writeInteger(welcome.node.rawValue)
            payload.writeInteger(welcome.leader?.rawValue ?? 0)
            payload.writeInteger(welcome.maxFrameBytes)
            payload.writeInteger(welcome.maxInFlight)
        case .enqueued(let ack):
            payload.writeEnqueueAck(ack)
        case .batchResult(let results):
            precondition((1...ProducerLimits.maxBatchEnvelopes).contains(results.count), "batch of \(results.count) results")
            payload.writeCount(results.count)
            for result in results {
                switch result {
                case .success(let ack):
                    payload.writeInteger(UInt8(0))
                    payload.writeEnqueueAck(ack)
                case .failure(let error):
                    payload.writeInteger(UInt8(1))
                    payload.writeInteger(error.code.rawValue)
                    payload.writeTruncated(error.detail, limit: ProducerLimits.maxDetailBytes)
                }
            }
        case .messageStatus(let report):
            precondition(report.recipients.count <= ProducerLimits.maxRecipients, "status of \(report.recipients.count) recipients")
            payload.writeMessageID(report.id)
            payload.writeInteger(report.enqueuedAtMilliseconds)
            payload.writeCount(report.recipients.count)
            for recipient in report.recipients {
                payload.writeLengthPrefixed(recipient.address)
                payload.writeInteger(recipient.state.rawValue)
                payload.writeTruncated(recipient.detail, limit: ProducerLimits.maxDetailBytes)
            }
        case .cancelled(let recipients):
            precondition(recipients >= 0, "negative cancelled count")
            payload.writeCount(recipients)
        case .ok:
            break
        case .removed(let found):
            payload.writeInteger(UInt8(found ? 1 : 0))
        case .suppression(let entry):
            if let entry {
                payload.writeInteger(UInt8(1))
                payload.writeSuppressionEntry(entry)
            } else {
                payload.writeInteger(UInt8(0))
            }
        case .suppressionList(let entries):
            precondition(entries.count <= ProducerLimits.maxListLimit, "list of \(entries.count) entries")
            payload.writeCount(entries.count)
            for entry in entries { payload.writeSuppressionEntry(entry) }
        case .clusterStatus(let report):
            precondition(report.nodes.count <= ProducerLimits.maxStatusNodes, "status of \(report.nodes.count) nodes")
            payload.writeInteger(report.leader?.rawValue ?? 0)
            payload.writeInteger(report.term.rawValue)
            payload.writeCount(report.nodes.count)
            for node in report.nodes {
                payload.writeInteger(node.node.rawValue)
                payload.writeTruncated(node.role, limit: ProducerLimits.maxRoleBytes)
                payload.writeInteger(UInt8(node.reachable ? 1 : 0))
                payload.writeInteger(node.commitIndex.rawValue)
                payload.writeInteger(node.appliedIndex.rawValue)
                payload.writeInteger(node.digest)
            }
        case .error(let code, let detail):
            payload.writeInteger(code.rawValue)
            payload.writeTruncated(detail, limit: ProducerLimits.maxDetailBytes)
        }
        return Frame(kind: kind.rawValue, payload: payload)
    }

    /// Decodes a response frame.
    /// - Parameter frame: a frame read from a producer connection.
    /// - Returns: the id of the request answered (`.connection` for connection-level
    ///   errors) and the response.
    /// - Throws: `WireError.unknownKind` when the kind is not a response;
    ///   `WireError.malformed` naming the first bad field.
    public static func decode(_ frame: Frame) throws(WireError) -> (requestID: ProducerRequestID, response: ProducerResponse) {
        guard let kind = ProducerFrameKind(rawValue: frame.kind), !kind.isRequest else {
            throw WireError.unknownKind(frame.kind)
        }
        var payload = frame.payload
        let requestID = ProducerRequestID(try payload.readRequired(UInt64.self, "requestID"))
        let response: ProducerResponse
        switch kind {
        case .welcome:
            let version = try payload.readRequired(UInt16.self, "version")
            let rawNode = try payload.readRequired(UInt64.self, "node")
            let leader = try payload.readOptionalNode("leader")
            let maxFrameBytes = try payload.readRequired(UInt32.self, "maxFrameBytes")
            let maxInFlight = try payload.readRequired(UInt32.self, "maxInFlight")
            response = .welcome(ProducerWelcome(version: version, node: NodeID(rawNode), leader: leader,
                                                maxFrameBytes: maxFrameBytes, maxInFlight: maxInFlight))
        case .enqueued:
            response = .enqueued(try payload.readEnqueueAck())
        case .batchResult:
            let count = try payload.readCount("result count", range: 1...ProducerLimits.maxBatchEnvelopes)
            var results: [Result<EnqueueAck, ProducerError>] = []
            results.reserveCapacity(min(count, 64))
            for _ in 0..<count {
                switch try payload.readRequired(UInt8.self, "result tag") {
                case 0:
                    results.append(.success(try payload.readEnqueueAck()))
                case 1:
                    let code = ProducerErrorCode(rawValue: try payload.readRequired(UInt16.self, "code"))
                    let detail = try payload.readLengthPrefixedString("detail", limit: ProducerLimits.maxDetailBytes)
                    results.append(.failure(ProducerError(code: code, detail: detail)))
                case let other:
                    throw WireError.malformed("result tag is \(other), expected 0 or 1")
                }
            }
            response = .batchResult(results)
        case .messageStatusResult:
            let id = try payload.readMessageID("id")
            let enqueuedAt = try payload.readRequired(UInt64.self, "enqueuedAt")
            let count = try payload.readCount("recipient count", range: 0...ProducerLimits.maxRecipients)
            var recipients: [MessageStatusReport.Recipient] = []
            recipients.reserveCapacity(min(count, 64))
            for _ in 0..<count {
                let address = try payload.readLengthPrefixedString("address", limit: ProducerLimits.maxAddressBytes)
                let rawState = try payload.readRequired(UInt8.self, "state")
                guard let state = RecipientStateCode(rawValue: rawState) else {
                    throw WireError.malformed("unknown recipient state \(rawState)")
                }
                let detail = try payload.readLengthPrefixedString("detail", limit: ProducerLimits.maxDetailBytes)
                recipients.append(.init(address: address, state: state, detail: detail))
            }
            response = .messageStatus(MessageStatusReport(id: id, enqueuedAtMilliseconds: enqueuedAt, recipients: recipients))
        case .cancelled:
            response = .cancelled(recipients: Int(try payload.readRequired(UInt16.self, "cancelledRecipients")))
        case .ok:
            response = .ok
        case .removed:
            response = .removed(found: try payload.readBool("found"))
        case .suppression:
            response = .suppression(try payload.readBool("found") ? try payload.readSuppressionEntry() : nil)
        case .suppressionList:
            let count = try payload.readCount("entry count", range: 0...ProducerLimits.maxListLimit)
            var entries: [SuppressionEntry] = []
            entries.reserveCapacity(min(count, 64))
            for _ in 0..<count { entries.append(try payload.readSuppressionEntry()) }
            response = .suppressionList(entries)
        case .clusterStatusResult:
            let leader = try payload.readOptionalNode("leader")
            let term = Term(try payload.readRequired(UInt64.self, "term"))
            let count = try payload.readCount("node count", range: 0...ProducerLimits.maxStatusNodes)
            var nodes: [ClusterStatusReport.Node] = []
            nodes.reserveCapacity(min(count, 16))
            for _ in 0..<count {
                let node = NodeID(try payload.readRequired(UInt64.self, "node"))
                let role = try payload.readLengthPrefixedString("role", limit: ProducerLimits.maxRoleBytes)
                let reachable = try payload.readBool("reachable")
                let commit = LogIndex(try payload.readRequired(UInt64.self, "commitIndex"))
                let applied = LogIndex(try payload.readRequired(UInt64.self, "appliedIndex"))
                let digest = try payload.readRequired(UInt64.self, "digest")
                nodes.append(.init(node: node, role: role, reachable: reachable, commitIndex: commit,
                                   appliedIndex: applied, digest: digest))
            }
            response = .clusterStatus(ClusterStatusReport(leader: leader, term: term, nodes: nodes))
        case .error:
            let code = ProducerErrorCode(rawValue: try payload.readRequired(UInt16.self, "code"))
            let detail = try payload.readLengthPrefixedString("detail", limit: ProducerLimits.maxDetailBytes)
            response = .error(code, detail: detail)
        case .hello, .enqueue, .enqueueBatch, .messageStatus, .cancel, .suppressAdd, .suppressRemove, .suppressCheck,
             .suppressList, .clusterStatus:
            preconditionFailure("request kind \(kind) passed the !isRequest check")
        }
        try payload.requireFullyRead("\(kind)")
        return (requestID, response)
    }
}
