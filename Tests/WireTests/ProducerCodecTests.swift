import NIOCore
import NIOEmbedded
import NIOTestUtils
import RaftCore
import Testing
import Wire

@Suite("producer codec")
struct ProducerCodecTests {
    static let messageID = WireMessageID(hex: "00112233445566778899aabbccddeeff")!
    static let message = Array("From: a@example.com\r\nTo: b@example.org\r\nSubject: hi\r\n\r\nbody\r\n".utf8)
    static let envelope = EnvelopeFields(
        mailFrom: "a@example.com", recipients: ["b@example.org", "c@example.net"], message: message,
        idempotencyKey: "order-17", priority: 7, notBeforeMilliseconds: 1_700_000_000_000,
        expiresAtMilliseconds: 1_800_000_000_000)
    static let nullSender = EnvelopeFields(mailFrom: "", recipients: ["postmaster@example.org"], message: [])
    static let ack = EnqueueAck(id: messageID, term: Term(4), index: LogIndex(99), duplicate: true,
                                suppressed: ["c@example.net"])
    static let entry = SuppressionEntry(address: "x@example.com", reason: .complaint, source: "fbl:example",
                                        sinceMilliseconds: 1_234)

    static let requests: [ProducerRequest] = [
        .hello(ProducerHello(clientName: "billing-service")),
        .enqueue(envelope),
        .enqueue(nullSender),
        .enqueueBatch([envelope, nullSender]),
        .messageStatus(messageID),
        .cancel(messageID),
        .suppressAdd(address: "x@example.com", reason: .hardBounce, source: ""),
        .suppressAdd(address: "y@example.com", reason: .manual, source: "ops ticket 12"),
        .suppressRemove(address: "x@example.com"),
        .suppressCheck(address: "x@example.com"),
        .suppressList(after: "", limit: 1000),
        .suppressList(after: "m@example.com", limit: 1),
        .clusterStatus,
    ]

    static let responses: [ProducerResponse] = [
        .welcome(ProducerWelcome(node: NodeID(2), leader: NodeID(1))),
        .welcome(ProducerWelcome(node: NodeID(3), leader: nil, maxFrameBytes: 1024, maxInFlight: 8)),
        .enqueued(ack),
        .enqueued(EnqueueAck(id: messageID, term: Term(1), index: LogIndex(1))),
        .batchResult([.success(ack), .failure(ProducerError(code: .invalidAddress, detail: "bad \"b@\"")),
                      .failure(ProducerError(code: ProducerErrorCode(rawValue: 999), detail: ""))]),
        .messageStatus(MessageStatusReport(id: messageID, enqueuedAtMilliseconds: 5, recipients: [
            .init(address: "b@example.org", state: .delivered, detail: "250 2.0.0 ok"),
            .init(address: "c@example.net", state: .suppressed),
        ])),
        .cancelled(recipients: 3),
        .ok,
        .removed(found: true),
        .removed(found: false),
        .suppression(entry),
        .suppression(nil),
        .suppressionList([entry, SuppressionEntry(address: "z@example.com", reason: .unsubscribe, sinceMilliseconds: 9)]),
        .suppressionList([]),
        .clusterStatus(ClusterStatusReport(leader: NodeID(1), term: Term(7), nodes: [
            .init(node: NodeID(1), role: "leader", reachable: true, commitIndex: LogIndex(10),
                  appliedIndex: LogIndex(10), digest: 0xDEAD_BEEF),
            .init(node: NodeID(2), role: "follower", reachable: false, commitIndex: LogIndex(8),
                  appliedIndex: LogIndex(7), digest: 1),
        ])),
        .clusterStatus(ClusterStatusReport(leader: nil, term: Term(0), nodes: [])),
        .error(.unavailable, detail: "no leader: election under way"),
    ]

    // MARK: - Round trips

    @Test("every request round-trips", arguments: requests)
    func requestRoundTrip(request: ProducerRequest) throws {
        let frame = try request.frame(requestID: ProducerRequestID(42))
        #expect(frame.kind == request.kind.rawValue)
        let decoded = try ProducerRequest.decode(frame)
        #expect(decoded.requestID == ProducerRequestID(42))
        #expect(decoded.request == request)
        #expect(ProducerRequest.requestID(in: frame) == ProducerRequestID(42))
    }

    @Test("every response round-trips", arguments: responses)
    func responseRoundTrip(response: ProducerResponse) throws {
        let frame = response.frame(requestID: ProducerRequestID(UInt64.max))
        #expect(frame.kind == response.kind.rawValue)
        let decoded = try ProducerResponse.decode(frame)
        #expect(decoded.requestID == ProducerRequestID(UInt64.max))
        #expect(decoded.response == response)
    }

    @Test("every response kind is the request kind with the high bit set")
    func kindPairs() {
        let pairs: [(ProducerFrameKind, ProducerFrameKind)] = [
            (.hello, .welcome), (.enqueue, .enqueued), (.enqueueBatch, .batchResult),
            (.messageStatus, .messageStatusResult), (.cancel, .cancelled), (.suppressAdd, .ok),
            (.suppressRemove, .removed), (.suppressCheck, .suppression), (.suppressList, .suppressionList),
            (.clusterStatus, .clusterStatusResult),
        ]
        for (request, response) in pairs {
            #expect(request.isRequest && !response.isRequest)
            #expect(request.rawValue | 0x80 == response.rawValue)
        }
        #expect(ProducerFrameKind.allCases.count == 21)
    }

    @Test("message ids print as 32 lowercase hex digits and parse back")
    func messageIDHex() {
        let id = Self.messageID
        #expect(id.hex == "00112233445566778899aabbccddeeff")
        #expect(WireMessageID(hex: "00112233445566778899AABBCCDDEEFF") == id)
        #expect(WireMessageID(bytes: id.bytes) == id)
        #expect(WireMessageID(hex: "0011") == nil)
        #expect(WireMessageID(hex: "g0112233445566778899aabbccddeeff") == nil)
        #expect(WireMessageID(bytes: [1, 2, 3]) == nil)
    }

    @Test("the bytes match the Python client's (clients/python/tests/test_codec.py)")
    func goldenBytes() throws {
        let envelope = EnvelopeFields(mailFrom: "a@example.com", recipients: ["b@example.org"],
                                      message: Array("Subject: x\r\n\r\nhi\r\n".utf8), idempotencyKey: "k1", priority: 7,
                                      notBeforeMilliseconds: 1, expiresAtMilliseconds: 2)
        let request = try ProducerRequest.enqueue(envelope).frame(requestID: ProducerRequestID(258))
        #expect(try Self.hex(request) == "0000005a1000000000000001020000000d61406578616d706c652e636f6d00010000000d62406578616d706c652e6f7267"
            + "000000026b310700000000000000010000000000000002000000125375626a6563743a20780d0a0d0a68690d0a")
        let ack = EnqueueAck(id: Self.messageID, term: Term(3), index: LogIndex(4), duplicate: true, suppressed: ["c@x.org"])
        let response = ProducerResponse.enqueued(ack).frame(requestID: ProducerRequestID(258))
        #expect(try Self.hex(response) == "0000003790000000000000010200112233445566778899aabbccddeeff00000000000000030000000000000004010001"
            + "000000076340782e6f7267")
    }

    static func hex(_ frame: Frame) throws -> String {
        var out = ByteBuffer()
        FrameEncoder().encode(data: frame, out: &out)
        return out.readableBytesView.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }

    // MARK: - Hostile input

    @Test("every truncation of every request and response is a typed error")
    func truncations() throws {
        for request in Self.requests {
            let frame = try request.frame(requestID: ProducerRequestID(1))
            for length in 0..<frame.payload.readableBytes {
                let cut = Frame(kind: frame.kind, payload: frame.payload.getSlice(at: 0, length: length)!)
                #expect(throws: WireError.self) { try ProducerRequest.decode(cut) }
            }
        }
        for response in Self.responses {
            let frame = response.frame(requestID: ProducerRequestID(1))
            for length in 0..<frame.payload.readableBytes {
                let cut = Frame(kind: frame.kind, payload: frame.payload.getSlice(at: 0, length: length)!)
                #expect(throws: WireError.self) { try ProducerResponse.decode(cut) }
            }
        }
    }

    @Test("trailing bytes are refused")
    func trailingBytes() throws {
        var frame = try ProducerRequest.clusterStatus.frame(requestID: ProducerRequestID(5))
        frame.payload.writeInteger(UInt8(0))
        #expect(throws: WireError.malformed("1 trailing bytes after clusterStatus")) { try ProducerRequest.decode(frame) }
        var response = ProducerResponse.ok.frame(requestID: ProducerRequestID(5))
        response.payload.writeInteger(UInt16(0))
        #expect(throws: WireError.malformed("2 trailing bytes after ok")) { try ProducerResponse.decode(response) }
    }

    @Test("kinds outside each direction are unknown")
    func unknownKinds() throws {
        let payload = ByteBuffer(bytes: [0, 0, 0, 0, 0, 0, 0, 1])
        #expect(throws: WireError.unknownKind(0x42)) { try ProducerRequest.decode(Frame(kind: 0x42, payload: payload)) }
        #expect(throws: WireError.unknownKind(0x90)) { try ProducerRequest.decode(Frame(kind: 0x90, payload: payload)) }
        #expect(throws: WireError.unknownKind(0x18)) { try ProducerResponse.decode(Frame(kind: 0x18, payload: payload)) }
        #expect(ProducerRequest.requestID(in: Frame(kind: 0x42, payload: payload)) == ProducerRequestID(1))
        #expect(ProducerRequest.requestID(in: Frame(kind: 0x42, payload: ByteBuffer(bytes: [1]))) == .connection)
    }

    @Test("seeded random payloads never trap either decoder")
    func randomBytes() {
        var generator = SeededGenerator(seed: 7)
        let kinds = ProducerFrameKind.allCases.map(\.rawValue) + [0, 0x7F, 0x80, 0xFE]
        for _ in 0..<20_000 {
            let kind = kinds.randomElement(using: &generator)!
            let length = Int.random(in: 0..<96, using: &generator)
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let frame = Frame(kind: kind, payload: ByteBuffer(bytes: bytes))
            _ = try? ProducerRequest.decode(frame)
            _ = try? ProducerResponse.decode(frame)
        }
    }

    @Test("random mutations of valid frames never trap")
    func mutatedFrames() throws {
        var generator = SeededGenerator(seed: 11)
        let frames = try Self.requests.map { try $0.frame(requestID: ProducerRequestID(3)) }
            + Self.responses.map { $0.frame(requestID: ProducerRequestID(3)) }
        for _ in 0..<20_000 {
            let frame = frames.randomElement(using: &generator)!
            var bytes = Array(frame.payload.readableBytesView)
            guard !bytes.isEmpty else { continue }
            for _ in 0..<Int.random(in: 1...3, using: &generator) {
                bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            let mutated = Frame(kind: frame.kind, payload: ByteBuffer(bytes: bytes))
            _ = try? ProducerRequest.decode(mutated)
            _ = try? ProducerResponse.decode(mutated)
        }
    }

    // MARK: - Limits

    /// An enqueue payload written by hand, so the test can break the limits the encoder enforces.
    static func handWrittenEnqueue(recipients: Int, keyBytes: Int = 0, priority: UInt8 = 5) -> Frame {
        var payload = ByteBuffer()
        payload.writeInteger(UInt64(1))
        payload.writeLengthPrefixed("a@example.com")
        payload.writeInteger(UInt16(truncatingIfNeeded: recipients))
        for index in 0..<recipients { payload.writeLengthPrefixed("r\(index)@example.com") }
        payload.writeLengthPrefixed(String(repeating: "k", count: keyBytes))
        payload.writeInteger(priority)
        payload.writeInteger(UInt64(0))
        payload.writeInteger(UInt64(0))
        payload.writeLengthPrefixed([UInt8]())
        return Frame(kind: ProducerFrameKind.enqueue.rawValue, payload: payload)
    }

    @Test("decoding enforces recipient count, key length and priority")
    func decodeLimits() throws {
        #expect(throws: Never.self) { try ProducerRequest.decode(Self.handWrittenEnqueue(recipients: 1000, keyBytes: 256)) }
        #expect(throws: WireError.malformed("recipient count 0 is outside 1-1000")) {
            try ProducerRequest.decode(Self.handWrittenEnqueue(recipients: 0))
        }
        #expect(throws: WireError.malformed("recipient count 1001 is outside 1-1000")) {
            try ProducerRequest.decode(Self.handWrittenEnqueue(recipients: 1001))
        }
        #expect(throws: WireError.malformed("idempotencyKey of 257 bytes exceeds 256")) {
            try ProducerRequest.decode(Self.handWrittenEnqueue(recipients: 1, keyBytes: 257))
        }
        #expect(throws: WireError.malformed("priority 10 exceeds 9")) {
            try ProducerRequest.decode(Self.handWrittenEnqueue(recipients: 1, priority: 10))
        }
    }

    @Test("decoding enforces batch count, list limit, string lengths and reasons")
    func otherDecodeLimits() throws {
        var batch = ByteBuffer()
        batch.writeInteger(UInt64(1))
        batch.writeInteger(UInt16(1001))
        #expect(throws: WireError.malformed("envelope count 1001 is outside 1-1000")) {
            try ProducerRequest.decode(Frame(kind: ProducerFrameKind.enqueueBatch.rawValue, payload: batch))
        }
        var emptyBatch = ByteBuffer()
        emptyBatch.writeInteger(UInt64(1))
        emptyBatch.writeInteger(UInt16(0))
        #expect(throws: WireError.malformed("envelope count 0 is outside 1-1000")) {
            try ProducerRequest.decode(Frame(kind: ProducerFrameKind.enqueueBatch.rawValue, payload: emptyBatch))
        }
        for limit in [UInt32(0), 1001, UInt32.max] {
            var list = ByteBuffer()
            list.writeInteger(UInt64(1))
            list.writeLengthPrefixed("")
            list.writeInteger(limit)
            #expect(throws: WireError.malformed("limit \(limit) is outside 1-1000")) {
                try ProducerRequest.decode(Frame(kind: ProducerFrameKind.suppressList.rawValue, payload: list))
            }
        }
        var hello = ByteBuffer()
        hello.writeInteger(UInt64(1))
        hello.writeInteger(UInt16(1))
        hello.writeLengthPrefixed(String(repeating: "n", count: 257))
        #expect(throws: WireError.malformed("client name of 257 bytes exceeds 256")) {
            try ProducerRequest.decode(Frame(kind: ProducerFrameKind.hello.rawValue, payload: hello))
        }
        var hugeAddress = ByteBuffer()
        hugeAddress.writeInteger(UInt64(1))
        hugeAddress.writeInteger(UInt32.max)
        #expect(throws: WireError.malformed("address of 4294967295 bytes exceeds 256")) {
            try ProducerRequest.decode(Frame(kind: ProducerFrameKind.suppressCheck.rawValue, payload: hugeAddress))
        }
        var badReason = ByteBuffer()
        badReason.writeInteger(UInt64(1))
        badReason.writeLengthPrefixed("x@example.com")
        badReason.writeInteger(UInt8(4))
        badReason.writeLengthPrefixed("")
        #expect(throws: WireError.malformed("unknown reason 4")) {
            try ProducerRequest.decode(Frame(kind: ProducerFrameKind.suppressAdd.rawValue, payload: badReason))
        }
        var notUTF8 = ByteBuffer()
        notUTF8.writeInteger(UInt64(1))
        notUTF8.writeLengthPrefixed([0xFF, 0xFE])
        #expect(throws: WireError.malformed("address is not UTF-8")) {
            try ProducerRequest.decode(Frame(kind: ProducerFrameKind.suppressRemove.rawValue, payload: notUTF8))
        }
    }

    @Test("encoding refuses what decoding would refuse")
    func encodeLimits() {
        let tooMany = EnvelopeFields(mailFrom: "", recipients: (0...1000).map { "r\($0)@x" }, message: [])
        #expect(throws: WireError.malformed("recipient count 1001 is outside 1-1000")) {
            try ProducerRequest.enqueue(tooMany).frame(requestID: ProducerRequestID(1))
        }
        let none = EnvelopeFields(mailFrom: "", recipients: [], message: [])
        #expect(throws: WireError.self) { try ProducerRequest.enqueue(none).frame(requestID: ProducerRequestID(1)) }
        let longKey = EnvelopeFields(mailFrom: "", recipients: ["a@x"], message: [],
                                     idempotencyKey: String(repeating: "k", count: 257))
        #expect(throws: WireError.self) { try ProducerRequest.enqueue(longKey).frame(requestID: ProducerRequestID(1)) }
        let loud = EnvelopeFields(mailFrom: "", recipients: ["a@x"], message: [], priority: 10)
        #expect(throws: WireError.self) { try ProducerRequest.enqueue(loud).frame(requestID: ProducerRequestID(1)) }
        #expect(throws: WireError.self) { try ProducerRequest.enqueueBatch([]).frame(requestID: ProducerRequestID(1)) }
        #expect(throws: WireError.self) {
            try ProducerRequest.enqueueBatch(Array(repeating: Self.nullSender, count: 1001)).frame(requestID: ProducerRequestID(1))
        }
        #expect(throws: WireError.self) { try ProducerRequest.suppressList(after: "", limit: 0).frame(requestID: ProducerRequestID(1)) }
        #expect(throws: WireError.self) {
            try ProducerRequest.hello(ProducerHello(clientName: String(repeating: "n", count: 257))).frame(requestID: ProducerRequestID(1))
        }
    }

    @Test("long details are cut at a character boundary, and still decode")
    func detailTruncation() throws {
        let detail = String(repeating: "é", count: 3000)  // 6000 bytes
        let frame = ProducerResponse.error(.internal, detail: detail).frame(requestID: ProducerRequestID(1))
        guard case .error(let code, let decodedDetail) = try ProducerResponse.decode(frame).response else {
            Issue.record("not an error")
            return
        }
        #expect(code == .internal)
        #expect(decodedDetail.utf8.count == 4096)
        #expect(decodedDetail == String(repeating: "é", count: 2048))
    }

    @Test("unknown error codes decode and print their number")
    func unknownErrorCode() throws {
        let frame = ProducerResponse.error(ProducerErrorCode(rawValue: 77), detail: "new").frame(requestID: ProducerRequestID(1))
        let decoded = try ProducerResponse.decode(frame)
        #expect(decoded.response == .error(ProducerErrorCode(rawValue: 77), detail: "new"))
        #expect(ProducerErrorCode(rawValue: 77).name == "code 77")
        #expect(ProducerErrorCode.outcomeUnknown.name == "outcomeUnknown")
        #expect(ProducerErrorCode.known.map(\.rawValue) == Array(1...15))
        #expect(ProducerErrorCode.insufficientStorage.name == "insufficientStorage")
        #expect(ProducerErrorCode.insufficientStorage.isRetryable)
        #expect(Set(ProducerErrorCode.known.map(\.name)).count == ProducerErrorCode.known.count)
    }

    @Test("decode failures map to the error code a node answers")
    func wireErrorCodes() {
        #expect(ProducerErrorCode(WireError.frameTooLarge(length: 10, limit: 5)) == .frameTooLarge)
        #expect(ProducerErrorCode(WireError.unknownKind(0x42)) == .unknownRequest)
        #expect(ProducerErrorCode(WireError.malformed("x")) == .malformedRequest)
        #expect(ProducerErrorCode(WireError.emptyFrame) == .malformedRequest)
    }

    // MARK: - Framing

    func encoded(_ frames: [Frame]) throws -> ByteBuffer {
        var out = ByteBuffer()
        for frame in frames { FrameEncoder().encode(data: frame, out: &out) }
        return out
    }

    @Test("producer frames survive drip-feeding through the frame decoder")
    func dripFeed() throws {
        let frames = try Self.requests.map { try $0.frame(requestID: ProducerRequestID(9)) }
            + Self.responses.map { $0.frame(requestID: ProducerRequestID(9)) }
        try ByteToMessageDecoderVerifier.verifyDecoder(
            inputOutputPairs: [(try encoded(frames), frames)],
            decoderFactory: { FrameDecoder(maxFrameBytes: ProducerLimits.defaultMaxFrameBytes) }
        )

        let channel = EmbeddedChannel(handler: ByteToMessageHandler(FrameDecoder(maxFrameBytes: 1 << 20)))
        var bytes = try encoded(frames)
        while let byte = bytes.readSlice(length: 1) { try channel.writeInbound(byte) }
        for request in Self.requests {
            let frame = try #require(try channel.readInbound(as: Frame.self))
            #expect(try ProducerRequest.decode(frame).request == request)
        }
        for response in Self.responses {
            let frame = try #require(try channel.readInbound(as: Frame.self))
            #expect(try ProducerResponse.decode(frame).response == response)
        }
        #expect(try channel.readInbound(as: Frame.self) == nil)
        #expect(try channel.finish().isClean)
    }
}
