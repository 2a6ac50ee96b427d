import NIOCore
import NIOEmbedded
import NIOTestUtils
import Testing
import Wire

@Suite("frame codec")
struct FrameCodecTests {
    func encoded(_ frames: [Frame]) throws -> ByteBuffer {
        var out = ByteBuffer()
        for frame in frames { FrameEncoder().encode(data: frame, out: &out) }
        return out
    }

    let frames = [
        Frame(kind: 1, payload: ByteBuffer(string: "hello")),
        Frame(kind: 4, payload: ByteBuffer()),
        Frame(kind: 200, payload: ByteBuffer(repeating: 7, count: 3000)),
    ]

    @Test("frames survive drip-feeding, one buffer, and every split (NIO's verifier)")
    func dripFeed() throws {
        let bytes = try encoded(frames)
        var inputs: [(ByteBuffer, [Frame])] = []
        inputs.append((bytes, frames))
        try ByteToMessageDecoderVerifier.verifyDecoder(
            inputOutputPairs: inputs,
            decoderFactory: { FrameDecoder(maxFrameBytes: 4096) }
        )
    }

    @Test("a byte at a time through a channel yields every frame and leaves it clean")
    func byteAtATime() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(FrameDecoder(maxFrameBytes: 4096)))
        var bytes = try encoded(frames)
        while let byte = bytes.readSlice(length: 1) {
            try channel.writeInbound(byte)
        }
        for frame in frames {
            #expect(try channel.readInbound(as: Frame.self) == frame)
        }
        #expect(try channel.readInbound(as: Frame.self) == nil)
        #expect(try channel.finish().isClean)
    }

    @Test("an oversized length is refused before any allocation")
    func oversized() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(FrameDecoder(maxFrameBytes: 1024)))
        var buffer = ByteBuffer()
        buffer.writeInteger(UInt32.max)
        #expect(throws: WireError.frameTooLarge(length: Int(UInt32.max), limit: 1024)) {
            try channel.writeInbound(buffer)
        }
        _ = try? channel.finish()
    }

    @Test("a zero-length frame is refused")
    func emptyFrame() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(FrameDecoder(maxFrameBytes: 1024)))
        var buffer = ByteBuffer()
        buffer.writeInteger(UInt32(0))
        #expect(throws: WireError.emptyFrame) { try channel.writeInbound(buffer) }
        _ = try? channel.finish()
    }

    @Test("a connection closed mid-frame is reported as truncated")
    func truncated() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(FrameDecoder(maxFrameBytes: 1024)))
        var buffer = ByteBuffer()
        buffer.writeInteger(UInt32(10))
        buffer.writeBytes([1, 2, 3])
        try channel.writeInbound(buffer)
        #expect(try channel.readInbound(as: Frame.self) == nil)
        #expect(throws: WireError.truncatedFrame(received: 7, expected: 14)) { try channel.finish() }
    }
}
