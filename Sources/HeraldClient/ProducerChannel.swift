import NIOCore
import Wire

/// Sets up a TCP channel that carries producer frames and wraps it for async use.
enum ProducerChannel {
    /// Adds the frame decoder and encoder to `channel` and wraps it. MUST be called on the
    /// channel's event loop (inside a bootstrap's channel initializer).
    static func configure(_ channel: any Channel, maxFrameBytes: Int) throws -> NIOAsyncChannel<Frame, Frame> {
        let operations = channel.pipeline.syncOperations
        try operations.addHandler(ByteToMessageHandler(FrameDecoder(maxFrameBytes: maxFrameBytes)))
        try operations.addHandler(MessageToByteHandler(FrameEncoder()))
        return try NIOAsyncChannel<Frame, Frame>(wrappingChannelSynchronously: channel)
    }
}
