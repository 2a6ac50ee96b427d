public import NIOCore
import Synchronization

/// Writes frames to one connection from any thread, coalescing bursts: frames queued
/// while a write is pending go out in the same event-loop turn, encoded into one buffer
/// with one flush, so a burst of requests or acknowledgements costs one hop, one
/// allocation and one syscall. The channel's pipeline MUST encode `Frame`s with a
/// `MessageToByteHandler<FrameEncoder>`: bursts are written just below it (frames sent
/// by other means go through it, in call order). A write that fails closes nothing by
/// itself: the connection's reader sees the failure.
public final class CoalescingFrameWriter: Sendable {
    private struct Queue {
        var frames: [Frame] = []
        var scheduled = false
        /// Bytes written since the channel last had room (it is not writable while more
        /// than its high water mark waits to go out).
        var writtenWithoutRoom = 0
    }

    private let channel: any Channel
    private let queue = Mutex(Queue())
    private let maxUnwrittenBytes: Int?

    /// Writes to `channel`.
    /// - Parameter maxUnwrittenBytes: when set, the connection is closed once this many
    ///   bytes were written while the peer was not reading (the channel had no room):
    ///   a peer that sends requests and never reads the answers would otherwise make
    ///   them pile up in memory without end.
    public init(channel: any Channel, maxUnwrittenBytes: Int? = nil) {
        self.channel = channel
        self.maxUnwrittenBytes = maxUnwrittenBytes
    }

    /// Queues `frame`; it is written and flushed on the channel's event loop.
    public func send(_ frame: Frame) {
        let schedule = queue.withLock { queue -> Bool in
            queue.frames.append(frame)
            defer { queue.scheduled = true }
            return !queue.scheduled
        }
        if schedule { channel.eventLoop.execute { self.writeQueued() } }
    }

    /// Waits until every frame queued so far has been handed to the channel.
    public func flushed() async {
        try? await channel.eventLoop.submit { self.writeQueued() }.get()
    }

    private func writeQueued() {
        let hasRoom = channel.isWritable
        let (frames, bytes, stuck) = queue.withLock { queue -> ([Frame], Int, Bool) in
            queue.scheduled = false
            defer { queue.frames.removeAll(keepingCapacity: true) }
            let bytes = queue.frames.reduce(0) { $0 + Frame.headerBytes + $1.payload.readableBytes }
            queue.writtenWithoutRoom = hasRoom ? 0 : queue.writtenWithoutRoom + bytes
            return (queue.frames, bytes, maxUnwrittenBytes.map { queue.writtenWithoutRoom > $0 } ?? false)
        }
        guard !frames.isEmpty else { return }
        if stuck {
            channel.close(promise: nil)
            return
        }
        guard let encoder = try? channel.pipeline.syncOperations.context(handlerType: MessageToByteHandler<FrameEncoder>.self)
        else {
            for frame in frames { channel.write(frame, promise: nil) }
            channel.flush()
            return
        }
        var burst = channel.allocator.buffer(capacity: bytes)
        let frameEncoder = FrameEncoder()
        for frame in frames { frameEncoder.encode(data: frame, out: &burst) }
        // NB: from the encoder's context the buffer goes on toward the socket, past the
        // encoder that would expect a `Frame`.
        encoder.writeAndFlush(NIOAny(burst), promise: nil)
    }
}
