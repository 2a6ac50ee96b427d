import NIOCore
import Wire

/// Sets up a channel that carries Herald frames.
enum FramedChannel {
    /// Adds the frame decoder and encoder to `channel` and wraps it for async use. MUST
    /// be called on the channel's event loop (inside a bootstrap's channel initializer).
    /// - Parameter frameDeadline: when set, a frame must arrive whole within this time
    ///   of its first byte, or the connection is closed.
    static func configure(_ channel: any Channel, maxFrameBytes: Int,
                          frameDeadline: TimeAmount? = nil) throws -> NIOAsyncChannel<Frame, Frame> {
        try addFrameHandlers(to: channel, maxFrameBytes: maxFrameBytes, frameDeadline: frameDeadline)
        return try NIOAsyncChannel<Frame, Frame>(wrappingChannelSynchronously: channel)
    }

    /// Adds the frame decoder and encoder to `channel`; the handler added after them
    /// reads `Frame`s. MUST be called on the channel's event loop.
    /// - Parameter maxFirstFrameBytes: a lower limit for the first frame (see `FrameDecoder`).
    static func addFrameHandlers(to channel: any Channel, maxFrameBytes: Int, maxFirstFrameBytes: Int? = nil,
                                 frameDeadline: TimeAmount? = nil) throws {
        let operations = channel.pipeline.syncOperations
        if let frameDeadline {
            try operations.addHandler(FrameDeadlineHandler(limit: frameDeadline))
        }
        try operations.addHandler(ByteToMessageHandler(
            FrameDecoder(maxFrameBytes: maxFrameBytes, maxFirstFrameBytes: maxFirstFrameBytes)))
        try operations.addHandler(MessageToByteHandler(FrameEncoder()))
    }
}
