import Foundation
import NIOCore
import RaftCore
import Testing
import Wire

/// The proxy on its own, against plain sockets standing in for two nodes.
@Suite("PeerProxy pipes, cuts and heals peer connections")
struct PeerProxyTests {
    @Test("pipes after the hello, closes live connections on cut, refuses while cut, pipes again after heal")
    func cutAndHeal() throws {
        let realPort = try LocalPorts.free()
        let proxyPort = try LocalPorts.free()
        let node = try RawSocket.listening(port: realPort)
        defer { node.close() }
        let proxy = try PeerProxy(routes: [2: (proxyPort: proxyPort, realPort: realPort)])
        defer { proxy.stop() }

        // Node 1 dials node 2 through the proxy: the hello and later bytes arrive, both ways.
        let dialler = try #require(RawSocket.connecting(port: proxyPort))
        defer { dialler.close() }
        let hello = Self.helloFrame(from: 1, to: 2)
        #expect(dialler.send(hello))
        let accepted = try #require(node.accept(), "the proxy never dialled the node")
        defer { accepted.close() }
        #expect(accepted.receive(count: hello.count) == hello)
        #expect(dialler.send([1, 2, 3]))
        #expect(accepted.receive(count: 3) == [1, 2, 3])
        #expect(accepted.send([4, 5]))
        #expect(dialler.receive(count: 2) == [4, 5])

        // A cut closes the live connection ...
        proxy.cut(between: [1], and: [2, 3])
        #expect(dialler.isClosed(), "the cut connection stays open (dialler side)")
        #expect(accepted.isClosed(), "the cut connection stays open (node side)")
        // ... and closes new ones right after their hello, without dialling the node.
        let refused = try #require(RawSocket.connecting(port: proxyPort))
        defer { refused.close() }
        #expect(refused.send(hello))
        #expect(refused.isClosed())
        #expect(proxy.refusedCount == 1)
        // Pairs outside the cut still pass.
        let other = try #require(RawSocket.connecting(port: proxyPort))
        defer { other.close() }
        #expect(other.send(Self.helloFrame(from: 4, to: 2)))
        let otherAccepted = try #require(node.accept())
        otherAccepted.close()

        proxy.heal()
        let again = try #require(RawSocket.connecting(port: proxyPort))
        defer { again.close() }
        #expect(again.send(hello))
        let healed = try #require(node.accept(), "no connection after the heal")
        defer { healed.close() }
        #expect(healed.receive(count: hello.count) == hello)
    }

    /// `u32 length | u8 kind=hello | PeerHello`.
    static func helloFrame(from: UInt64, to: UInt64) -> [UInt8] {
        var payload = ByteBuffer()
        PeerHello(clusterName: "test", from: NodeID(from), to: NodeID(to)).encode(into: &payload)
        var frame = ByteBuffer()
        frame.writeInteger(UInt32(payload.readableBytes + 1))
        frame.writeInteger(PeerFrameKind.hello.rawValue)
        frame.writeBuffer(&payload)
        return Array(frame.readableBytesView)
    }
}
