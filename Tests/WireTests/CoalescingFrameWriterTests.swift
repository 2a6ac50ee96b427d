import NIOCore
import NIOEmbedded
import Testing
import Wire

/// The writer that coalesces answers on a producer connection.
@Suite struct CoalescingFrameWriterTests {
    @Test("a peer that does not read is disconnected once too much waits for it; one that reads is not")
    func closesWhenAnswersPileUp() throws {
        let stalled = EmbeddedChannel()
        try stalled.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        let writer = CoalescingFrameWriter(channel: stalled, maxUnwrittenBytes: 10_000)
        stalled.isWritable = false
        for _ in 0..<20 {
            writer.send(Frame(kind: 1, payload: ByteBuffer(repeating: 0, count: 1_000)))
            stalled.embeddedEventLoop.run()
        }
        #expect(!stalled.isActive, "the connection was kept with 20 KB of answers waiting")

        let reading = EmbeddedChannel()
        try reading.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        let kept = CoalescingFrameWriter(channel: reading, maxUnwrittenBytes: 10_000)
        for _ in 0..<20 {
            kept.send(Frame(kind: 1, payload: ByteBuffer(repeating: 0, count: 1_000)))
            reading.embeddedEventLoop.run()
            while try reading.readOutbound(as: Frame.self) != nil {}
        }
        #expect(reading.isActive)
        _ = try reading.finish()
    }
}
