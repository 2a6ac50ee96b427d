import NIOCore

/// NATS core protocol on one connection, publishing into a JetStream stream: `CONNECT`,
/// `SUB` to a private inbox, `PING`; the first `PONG` ends the handshake. Each request is
/// `PUB bench.<connection> <inbox>.<token> <size>` with the payload, and JetStream's reply
/// to `<inbox>.<token>` is the acknowledgement.
final class NATSSession: ChannelInboundHandler, LoadSession {
    typealias InboundIn = NATSEvent
    typealias OutboundOut = ByteBuffer
    typealias Shared = NATSShared

    private let shared: NATSShared
    private let connection: LoadConnection<NATSSession>
    private var context: ChannelHandlerContext?
    private var batch = ByteBuffer()
    private var handshakeDone = false
    /// `_INBOX.<random>`: this session's reply subjects are `<inbox>.<token>`.
    private let inbox: String
    /// `PUB bench.<connection> <inbox>.`: each publish's line up to the token.
    private let publishPrefix: [UInt8]
    /// ` <size>\r\n`: each publish's line after the token.
    private let publishSuffix: [UInt8]

    private init(shared: NATSShared, connection: LoadConnection<NATSSession>) {
        self.shared = shared
        self.connection = connection
        var random = SystemRandomNumberGenerator()
        let inbox = "_INBOX.lg\(String(random.next() as UInt64, radix: 36))"
        self.inbox = inbox
        publishPrefix = Array("PUB \(NATSShared.subject(connection: connection.index)) \(inbox).".utf8)
        publishSuffix = Array(" \(shared.payload.readableBytes)\r\n".utf8)
    }

    static func install(on channel: any Channel, shared: NATSShared,
                        connection: LoadConnection<NATSSession>) throws -> NATSSession {
        let session = NATSSession(shared: shared, connection: connection)
        let operations = channel.pipeline.syncOperations
        try operations.addHandler(ByteToMessageHandler(NATSEventDecoder()))
        try operations.addHandler(session)
        return session
    }

    // MARK: - LoadSession

    func write(token: RequestToken, request: SessionRequest) {
        // Verification is refused for NATS before a run starts; only loads get here.
        batch.writeBytes(publishPrefix)
        batch.writeDecimal(token.rawValue)
        batch.writeBytes(publishSuffix)
        batch.writeImmutableBuffer(shared.payload)
        batch.writeStaticString("\r\n")
    }

    func flush() {
        guard let context, batch.readableBytes > 0 else { return }
        context.writeAndFlush(wrapOutboundOut(batch), promise: nil)
        batch.clear()  // NB: reuses the storage when the write has completed (see HeraldSession.flush)
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
        var out = context.channel.allocator.buffer(capacity: 256)
        out.writeString(NATSProtocol.connectLine)
        out.writeString("SUB \(inbox).* 1\r\nPING\r\n")
        context.writeAndFlush(wrapOutboundOut(out), promise: nil)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        connection.sessionClosed(self)
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .message(let token, let payload):
            guard let token else { return }
            connection.complete(RequestToken(rawValue: token), JetStreamReply.outcome(of: payload))
        case .ping:
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "PONG\r\n")), promise: nil)
        case .pong:
            if !handshakeDone {
                handshakeDone = true
                connection.sessionReady(self)
            }
        case .error(let text):
            StandardError.write("connection \(connection.index): NATS server error: \(text)")
        case .info, .ok:
            break
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        connection.readComplete()
        context.fireChannelReadComplete()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        StandardError.write("connection \(connection.index): \(error)")
        context.close(promise: nil)
    }
}

@available(*, unavailable)
extension NATSSession: Sendable {}
