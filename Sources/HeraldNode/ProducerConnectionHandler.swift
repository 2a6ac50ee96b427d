import NIOCore
import Wire

/// Serves one producer connection on its event loop (docs/protocol.md): the hello, then
/// pipelined requests. Each frame is decoded where it was read and an enqueue at the
/// leader goes straight to the Raft loop, whose callback writes the answer: no task
/// and no hop to another thread per request. Other requests run in tasks.
///
/// When the input ends (the peer's end of stream, a framing error, a refused hello, or
/// the node shutting down and closing the input), it takes no more requests, waits
/// until every request it accepted is answered and written, then closes the connection.
final class ProducerConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = Frame

    private enum Phase {
        case awaitingHello
        case serving(forwarded: Bool)
        case closing
    }

    private let server: ProducerServer
    private let inFlight = InFlightCount()
    private var responder: CoalescingFrameWriter?
    private var phase = Phase.awaitingHello

    init(server: ProducerServer) {
        self.server = server
    }

    func handlerAdded(context: ChannelHandlerContext) {
        // NB: a producer that never reads its answers is disconnected after 64 MiB of
        // them, rather than growing the node's memory for ever.
        responder = CoalescingFrameWriter(channel: context.channel, maxUnwrittenBytes: 64 << 20)
    }

    func channelInactive(context: ChannelHandlerContext) {
        phase = .closing
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let responder else { return }
        let frame = unwrapInboundIn(data)
        switch phase {
        case .awaitingHello:
            if let forwarded = server.greet(frame, responder: responder) {
                phase = .serving(forwarded: forwarded)
            } else {
                finish(context: context)
            }
        case .serving(let forwarded):
            server.serve(frame, forwarded: forwarded, responder: responder, inFlight: inFlight)
        case .closing:
            break
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .some(.inputClosed) = event as? ChannelEvent {
            finish(context: context)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if case .closing = phase { return }
        if let responder { server.respondToFramingError(error, responder: responder) }
        finish(context: context)
    }

    /// Stops serving; closes the connection once every accepted request is answered
    /// and its answer handed to the socket.
    private func finish(context: ChannelHandlerContext) {
        if case .closing = phase { return }
        phase = .closing
        let channel = context.channel
        guard let responder else {
            channel.close(promise: nil)
            return
        }
        let inFlight = self.inFlight
        Task {
            await inFlight.drained()
            await responder.flushed()
            try? await channel.close()
        }
    }
}

@available(*, unavailable)
extension ProducerConnectionHandler: Sendable {}
