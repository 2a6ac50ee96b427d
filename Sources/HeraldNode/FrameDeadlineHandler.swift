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
    /// When the read that began the unfinished frame arrived; nil at a frame boundary.
    private var unfinishedSince: NIODeadline?
    /// The one pending check. NB: it is not moved for every frame (scheduling and
    /// cancelling a task per frame cost the producer path measurably); when it fires
    /// early for a newer frame it re-arms itself for that frame's deadline.
    private var check: Scheduled<Void>?

    init(limit: TimeAmount) {
        self.limit = limit
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        let startedNewFrame = track(buffer.readableBytesView)
        if isMidFrame {
            if startedNewFrame || unfinishedSince == nil { unfinishedSince = .now() }
            if check == nil, let since = unfinishedSince { arm(at: since + limit, context: context) }
        } else {
            unfinishedSince = nil
        }
        context.fireChannelRead(data)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        check?.cancel()
    }

    func channelInactive(context: ChannelHandlerContext) {
        check?.cancel()
        context.fireChannelInactive()
    }

    private var isMidFrame: Bool { remaining != nil || !prefix.isEmpty }

    /// Counts `bytes` against the length prefixes.
    /// - Returns: whether the frame unfinished at the end of `bytes` began in them.
    private func track(_ bytes: ByteBufferView) -> Bool {
        var startedNewFrame = false
        var index = bytes.startIndex
        while index < bytes.endIndex {
            if let left = remaining {
                let take = min(left, bytes.endIndex - index)
                index += take
                remaining = left - take
            } else {
                if prefix.isEmpty { startedNewFrame = true }
                prefix.append(bytes[index])
                index += 1
                if prefix.count == 4 {
                    remaining = Int(prefix[0]) << 24 | Int(prefix[1]) << 16 | Int(prefix[2]) << 8 | Int(prefix[3])
                    prefix.removeAll(keepingCapacity: true)
                }
            }
            if remaining == 0 { remaining = nil }
        }
        return startedNewFrame
    }

    private func arm(at deadline: NIODeadline, context: ChannelHandlerContext) {
        let channel = context.channel
        check = context.eventLoop.assumeIsolatedUnsafeUnchecked().scheduleTask(deadline: deadline) {
            self.check = nil
            guard let since = self.unfinishedSince else { return }
            if NIODeadline.now() >= since + self.limit {
                channel.close(promise: nil)
            } else {
                self.arm(at: since + self.limit, context: context)
            }
        }
    }
}

@available(*, unavailable)
extension FrameDeadlineHandler: Sendable {}
