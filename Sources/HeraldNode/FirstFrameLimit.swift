import NIOCore

/// Closes a connection whose first frame announces more than `limit` bytes, then steps
/// out of the pipeline. The first frame on a peer connection is the hello (a few dozen
/// bytes); without this the frame decoder would gather up to its general limit (tens of
/// MiB) from a client that has not said who it is. Sits in front of the decoder and
/// reads only the 4-byte length prefix.
final class FirstFrameLimit: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let limit: Int
    private var prefix: [UInt8] = []

    /// - Parameter limit: the largest first frame accepted (its length prefix's value).
    init(limit: Int) {
        self.limit = limit
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        prefix.append(contentsOf: buffer.readableBytesView.prefix(4 - prefix.count))
        guard prefix.count == 4 else {
            context.fireChannelRead(data)
            return
        }
        let length = prefix.reduce(0) { $0 << 8 | Int($1) }
        guard length <= limit else {
            context.close(promise: nil)
            return
        }
        context.fireChannelRead(data)
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}
