import NIOCore

/// A request from a producer to a node (docs/protocol.md). On the wire each is a frame
/// whose payload starts with the `ProducerRequestID` the client chose, followed by the
/// fields below. Encoding and decoding enforce `ProducerLimits`; decoding never traps.
public enum ProducerRequest: Equatable, Sendable {
    /// `0x01`: the first request on a connection.
    case hello(ProducerHello)
    /// `0x10`: queue one message.
    case enqueue(EnvelopeFields)
    /// `0x11`: queue 1–1000 messages; each is accepted or refused on its own.
    case enqueueBatch([EnvelopeFields])
    /// `0x12`: where a message's recipients stand.
    case messageStatus(WireMessageID)
    /// `0x13`: cancel the message's recipients that are still queued.
    case cancel(WireMessageID)
    /// `0x14`: add `address` to the suppression list.
    case suppressAdd(address: String, reason: SuppressionReasonCode, source: String)
    /// `0x15`: remove `address` from the suppression list.
    case suppressRemove(address: String)
    /// `0x16`: look `address` up.
    case suppressCheck(address: String)
    /// `0x17`: up to `limit` (1–1000) entries with addresses after `after` (empty: from
    /// the start), in address order.
    case suppressList(after: String, limit: Int)
    /// `0x18`: the cluster's leader, term and per-node progress.
    case clusterStatus

    /// The frame kind that carries this request.
    public var kind: ProducerFrameKind {
        switch self {
        case .hello: .hello
        case .enqueue: .enqueue
        case .enqueueBatch: .enqueueBatch
        case .messageStatus: .messageStatus
        case .cancel: .cancel
        case .suppressAdd: .suppressAdd
        case .suppressRemove: .suppressRemove
        case .suppressCheck: .suppressCheck
        case .suppressList: .suppressList
        case .clusterStatus: .clusterStatus
        }
    }

    /// Checks the protocol's bounds without encoding.
    /// - Throws: `WireError.malformed` naming the first field out of bounds.
    public func validate() throws(WireError) {
        switch self {
        case .hello(let hello):
            try ProducerFieldCheck.string(hello.clientName, "client name", limit: ProducerLimits.maxClientNameBytes)
        case .enqueue(let envelope):
            try envelope.validate()
        case .enqueueBatch(let envelopes):
            try ProducerFieldCheck.count(envelopes.count, "envelope count", range: 1...ProducerLimits.maxBatchEnvelopes)
            for envelope in envelopes { try envelope.validate() }
        case .messageStatus, .cancel, .clusterStatus:
            break
        case .suppressAdd(let address, _, let source):
            try ProducerFieldCheck.string(address, "address", limit: ProducerLimits.maxAddressBytes)
            try ProducerFieldCheck.string(source, "source", limit: ProducerLimits.maxSourceBytes)
        case .suppressRemove(let address), .suppressCheck(let address):
            try ProducerFieldCheck.string(address, "address", limit: ProducerLimits.maxAddressBytes)
        case .suppressList(let after, let limit):
            try ProducerFieldCheck.string(after, "after", limit: ProducerLimits.maxAddressBytes)
            try ProducerFieldCheck.count(limit, "limit", range: 1...ProducerLimits.maxListLimit)
        }
    }

    /// Encodes the request as a frame.
    /// - Parameter requestID: the id the response will carry; MUST NOT be 0 and MUST be
    ///   unique among the requests in flight on the connection.
    /// - Returns: the frame to write.
    /// - Throws: `WireError.malformed` when a field is out of bounds (see `validate()`).
    public func frame(requestID: ProducerRequestID) throws(WireError) -> Frame {
        try validate()
        var payload = ByteBuffer()
        payload.writeInteger(requestID.rawValue)
        switch self {
        case .hello(let hello):
            payload.writeInteger(hello.version)
            payload.writeLengthPrefixed(hello.clientName)
        case .enqueue(let envelope):
            payload.writeEnvelope(envelope)
        case .enqueueBatch(let envelopes):
            payload.writeCount(envelopes.count)
            for envelope in envelopes { payload.writeEnvelope(envelope) }
        case .messageStatus(let id), .cancel(let id):
            payload.writeMessageID(id)
        case .suppressAdd(let address, let reason, let source):
            payload.writeLengthPrefixed(address)
            payload.writeInteger(reason.rawValue)
            payload.writeLengthPrefixed(source)
        case .suppressRemove(let address), .suppressCheck(let address):
            payload.writeLengthPrefixed(address)
        case .suppressList(let after, let limit):
            payload.writeLengthPrefixed(after)
            payload.writeInteger(UInt32(limit))
        case .clusterStatus:
            break
        }
        return Frame(kind: kind.rawValue, payload: payload)
    }

    /// The request id at the start of `frame`'s payload, so a node can answer a request
    /// it cannot decode; `.connection` (0) when the payload is too short to hold one.
    public static func requestID(in frame: Frame) -> ProducerRequestID {
        frame.payload.getInteger(at: frame.payload.readerIndex, as: UInt64.self).map { ProducerRequestID($0) } ?? .connection
    }

    /// Decodes a request frame.
    /// - Parameter frame: a frame read from a producer connection.
    /// - Returns: the request id and the request.
    /// - Throws: `WireError.unknownKind` when the kind is not a request (answer
    ///   `unknownRequest`); `WireError.malformed` naming the first bad field (answer
    ///   `malformedRequest`).
    public static func decode(_ frame: Frame) throws(WireError) -> (requestID: ProducerRequestID, request: ProducerRequest) {
        guard let kind = ProducerFrameKind(rawValue: frame.kind), kind.isRequest else {
            throw WireError.unknownKind(frame.kind)
        }
        var payload = frame.payload
        let requestID = ProducerRequestID(try payload.readRequired(UInt64.self, "requestID"))
        let request: ProducerRequest
        switch kind {
        case .hello:
            let version = try payload.readRequired(UInt16.self, "version")
            let name = try payload.readLengthPrefixedString("client name", limit: ProducerLimits.maxClientNameBytes)
            request = .hello(ProducerHello(version: version, clientName: name))
        case .enqueue:
            request = .enqueue(try payload.readEnvelope())
        case .enqueueBatch:
            let count = try payload.readCount("envelope count", range: 1...ProducerLimits.maxBatchEnvelopes)
            var envelopes: [EnvelopeFields] = []
            envelopes.reserveCapacity(min(count, 64))
            for _ in 0..<count { envelopes.append(try payload.readEnvelope()) }
            request = .enqueueBatch(envelopes)
        case .messageStatus:
            request = .messageStatus(try payload.readMessageID("id"))
        case .cancel:
            request = .cancel(try payload.readMessageID("id"))
        case .suppressAdd:
            let address = try payload.readLengthPrefixedString("address", limit: ProducerLimits.maxAddressBytes)
            let reason = try payload.readSuppressionReason()
            let source = try payload.readLengthPrefixedString("source", limit: ProducerLimits.maxSourceBytes)
            request = .suppressAdd(address: address, reason: reason, source: source)
        case .suppressRemove:
            request = .suppressRemove(address: try payload.readLengthPrefixedString("address", limit: ProducerLimits.maxAddressBytes))
        case .suppressCheck:
            request = .suppressCheck(address: try payload.readLengthPrefixedString("address", limit: ProducerLimits.maxAddressBytes))
        case .suppressList:
            let after = try payload.readLengthPrefixedString("after", limit: ProducerLimits.maxAddressBytes)
            let limit = Int(try payload.readRequired(UInt32.self, "limit"))
            try ProducerFieldCheck.count(limit, "limit", range: 1...ProducerLimits.maxListLimit)
            request = .suppressList(after: after, limit: limit)
        case .clusterStatus:
            request = .clusterStatus
        case .welcome, .enqueued, .batchResult, .messageStatusResult, .cancelled, .ok, .removed, .suppression,
             .suppressionList, .clusterStatusResult, .error:
            preconditionFailure("response kind \(kind) passed the isRequest check")
        }
        try payload.requireFullyRead("\(kind)")
        return (requestID, request)
    }
}
