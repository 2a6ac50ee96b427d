import NIOCore
import RaftCore
import Wire

/// Herald's producer protocol on one connection (docs/protocol.md): `hello`, then
/// pipelined `enqueue` (load) or `messageStatus` (verification) requests whose request id
/// is the `RequestToken`. Responses are decoded with the Wire codec.
///
/// Requests are framed straight into one reusable buffer: a 13-byte header (length, kind,
/// request id) and a copy of the shared envelope, so a burst is one write.
final class HeraldSession: ChannelInboundHandler, LoadSession {
    typealias InboundIn = Frame
    typealias OutboundOut = ByteBuffer
    typealias Shared = HeraldShared

    /// The request id of `hello`. Tokens have a generation of at least 1 in their high
    /// bits, so no request token equals it.
    private static let helloID = ProducerRequestID(1)
    private static let enqueueKind = ProducerFrameKind.enqueue.rawValue

    private let shared: HeraldShared
    private let connection: LoadConnection<HeraldSession>
    private var context: ChannelHandlerContext?
    private var batch = ByteBuffer()
    private var welcomed = false
    private let enqueueFrameLength: UInt32

    private init(shared: HeraldShared, connection: LoadConnection<HeraldSession>) {
        self.shared = shared
        self.connection = connection
        self.enqueueFrameLength = UInt32(1 + 8 + shared.envelope.readableBytes)
    }

    static func install(on channel: any Channel, shared: HeraldShared,
                        connection: LoadConnection<HeraldSession>) throws -> HeraldSession {
        let session = HeraldSession(shared: shared, connection: connection)
        let operations = channel.pipeline.syncOperations
        try operations.addHandler(ByteToMessageHandler(FrameDecoder(maxFrameBytes: shared.maxFrameBytes)))
        try operations.addHandler(session)
        return session
    }

    // MARK: - LoadSession

    func write(token: RequestToken, request: SessionRequest) {
        switch request {
        case .load:
            batch.writeInteger(enqueueFrameLength)
            batch.writeInteger(Self.enqueueKind)
            batch.writeInteger(token.rawValue)
            batch.writeImmutableBuffer(shared.envelope)
        case .verify(let item):
            // Items were checked to be 32 hex digits when the file was read.
            let id = WireMessageID(hex: item) ?? WireMessageID(high: 0, low: 0)
            let request = ProducerRequest.messageStatus(id)
            guard let frame = try? request.frame(requestID: ProducerRequestID(token.rawValue)) else { return }
            FrameEncoder().encode(data: frame, out: &batch)
        }
    }

    func flush() {
        guard let context, batch.readableBytes > 0 else { return }
        context.writeAndFlush(wrapOutboundOut(batch), promise: nil)
        // NB: when the write completed at once the storage is ours again and `clear()`
        // reuses it; otherwise it allocates fresh storage and the pending write keeps the old.
        batch.clear()
    }

    func close() {
        context?.close(promise: nil)
    }

    // MARK: - ChannelInboundHandler

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        batch = context.channel.allocator.buffer(capacity: 64 * 1024)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        connection.sessionActive(self)
        var out = context.channel.allocator.buffer(capacity: 64)
        let hello = ProducerRequest.hello(ProducerHello(clientName: "herald-loadgen"))
        if let frame = try? hello.frame(requestID: Self.helloID) {
            FrameEncoder().encode(data: frame, out: &out)
            context.writeAndFlush(wrapOutboundOut(out), promise: nil)
        }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        connection.sessionClosed(self)
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        let requestID: ProducerRequestID
        let response: ProducerResponse
        do {
            (requestID, response) = try ProducerResponse.decode(frame)
        } catch {
            let id = ProducerRequest.requestID(in: frame)
            if id != .connection { connection.complete(RequestToken(rawValue: id.rawValue), .failed(.badResponse)) }
            return
        }
        let token = RequestToken(rawValue: requestID.rawValue)
        switch response {
        case .enqueued(let ack):
            connection.complete(token, .acked(term: ack.term.rawValue, record: .messageID(ack.id)))
        case .messageStatus:
            connection.complete(token, .found)
        case .error(let code, let detail):
            if requestID == .connection || requestID == Self.helloID {
                StandardError.write("connection \(connection.index): node refused the connection: \(code) \(detail)")
                context.close(promise: nil)
            } else if code == .notFound {
                connection.complete(token, .missing)
            } else {
                connection.complete(token, .failed(ErrorKind(code.name)))
            }
        case .welcome(let welcome):
            guard !welcomed else { return }
            welcomed = true
            if let leader = welcome.leader, leader != welcome.node, connection.seekLeader(leaving: self) { return }
            if connection.plan.inflight > Int(welcome.maxInFlight) {
                StandardError.write("--inflight \(connection.plan.inflight) exceeds the node's maxInFlight \(welcome.maxInFlight)")
            }
            connection.sessionReady(self)
        case .batchResult, .cancelled, .ok, .removed, .suppression, .suppressionList, .clusterStatus:
            connection.complete(token, .failed(.badResponse))
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        connection.readComplete()
        context.fireChannelReadComplete()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

@available(*, unavailable)
extension HeraldSession: Sendable {}
