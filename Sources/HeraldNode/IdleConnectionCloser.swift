import NIOCore

/// Closes a connection when the `IdleStateHandler` before it reports that nothing was
/// read or written for its timeout, so idle keep-alive or stalled clients do not hold
/// descriptors for ever.
final class IdleConnectionCloser: ChannelInboundHandler, Sendable {
    typealias InboundIn = NIOAny

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is IdleStateHandler.IdleStateEvent else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        context.close(promise: nil)
    }
}
