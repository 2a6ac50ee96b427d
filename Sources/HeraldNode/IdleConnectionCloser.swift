import NIOCore
import NIOHTTP1

/// Closes an HTTP connection when the `IdleStateHandler` at the front of its pipeline
/// reports that nothing was read or written for its timeout, so idle keep-alive or
/// stalled clients do not hold descriptors for ever. A connection whose request is
/// still being answered is left alone: an answer may take long to compute (a backup
/// writes nothing until it is done). Sits after the HTTP codec, where it sees where
/// each request starts and each response ends.
final class IdleConnectionCloser: ChannelDuplexHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// Requests read whose response has not been written to its end.
    private var answering = 0

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head = unwrapInboundIn(data) { answering += 1 }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { answering = max(0, answering - 1) }
        context.write(data, promise: promise)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is IdleStateHandler.IdleStateEvent else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        if answering == 0 { context.close(promise: nil) }
    }
}
