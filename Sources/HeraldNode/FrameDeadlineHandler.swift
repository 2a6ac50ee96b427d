import NIOCore

/// Closes a connection whose sender starts a frame and does not finish it within
/// `limit`: a client that trickles bytes (or stalls mid-frame) cannot hold a connection
/// and its buffer forever. An idle connection between frames is left alone.
///
/// It sits before the frame decoder and only counts bytes against the length prefixes;
/// the decoder still does the real parsing.
final class FrameDeadlineHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let limit: TimeAmount
    /// Bytes of the current length prefix seen so far (0–3 while collecting it).
    private var prefix: [UInt8] = []
    /// Body bytes still to come for the current frame; nil between frames.
    private var remaining: Int?
    private var deadline: Scheduled<Void>?

    init(limit: TimeAmount) {
        self.limit = limit
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        track(buffer.readableBytesView, context: context)
        context.fireChannelRead(data)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
    }

    func channelInactive(context: ChannelHandlerContext) {
        deadline?.cancel()
        context.fireChannelInactive()
    }

    private func track(_ bytes: ByteBufferView, context: ChannelHandlerContext) {
        var index = bytes.startIndex
        while index < bytes.endIndex {
            if deadline == nil { startDeadline(context: context) }
            if let left = remaining {
                let take = min(left, bytes.endIndex - index)
                index += take
                remaining = left - take
            } else {
                prefix.append(bytes[index])
                index += 1
                if prefix.count == 4 {
                    remaining = Int(prefix[0]) << 24 | Int(prefix[1]) << 16 | Int(prefix[2]) << 8 | Int(prefix[3])
                    prefix.removeAll(keepingCapacity: true)
                }
            }
            if remaining == 0 {
                remaining = nil
                deadline?.cancel()
                deadline = nil
            }
        }
    }

    private func startDeadline(context: ChannelHandlerContext) {
        let channel = context.channel
        deadline = context.eventLoop.scheduleTask(in: limit) {
            channel.close(promise: nil)
        }
    }
}

@available(*, unavailable)
extension FrameDeadlineHandler: Sendable {}
