#if canImport(Glibc)
import Glibc
#endif
import HeraldConfig
@testable import HeraldNode
import Logging
import NIOCore
import NIOPosix
import RaftCore
import ServiceLifecycle
import Synchronization
import Testing
import Wire

/// Two real transports talking over loopback TCP: what the Raft loop hands to `send`
/// reaches the other node's `deliver`, in order, across a late start and a restart.
@Suite struct PeerTransportTests {
    @Test func batchesSentBeforeThePeerListensArriveInOrderOnceItStarts() async throws {
        let (first, second) = (try freeLoopbackEndpoint(), try freeLoopbackEndpoint())
        let received = Received()
        let refusals = Mutex(0)
        let sender = RunningTransport(me: 1, listen: first, peer: 2, at: second, deliver: { _ in },
                                      unreachable: { _ in refusals.withLock { $0 += 1 } })
        let batches = (1...5).map { [message(from: 1, to: 2, commit: $0)] }
        for batch in batches { sender.transport.send(batch) }
        // The sender has dialled and been refused before the receiver exists.
        #expect(await waitUntil { refusals.withLock { $0 } > 0 })
        let receiver = RunningTransport(me: 2, listen: second, peer: 1, at: first, deliver: received.append)
        #expect(await received.waitFor(count: 5))
        #expect(received.commits == [1, 2, 3, 4, 5])
        await receiver.stop()
        await sender.stop()
    }

    @Test func messagesFlowAgainAfterThePeerRestarts() async throws {
        let (first, second) = (try freeLoopbackEndpoint(), try freeLoopbackEndpoint())
        let received = Received()
        let sender = RunningTransport(me: 1, listen: first, peer: 2, at: second, deliver: { _ in })
        var receiver = RunningTransport(me: 2, listen: second, peer: 1, at: first, deliver: received.append)
        sender.transport.send([message(from: 1, to: 2, commit: 1)])
        #expect(await received.waitFor(count: 1))
        await receiver.stop()
        receiver = RunningTransport(me: 2, listen: second, peer: 1, at: first, deliver: received.append)
        // Sent until one arrives: a batch written just before the sender noticed the
        // close may be lost, as on a real network (Raft resends).
        var commit: UInt64 = 2
        let deadline = ContinuousClock.now + .seconds(20)
        while received.commits.count < 2 && ContinuousClock.now < deadline {
            sender.transport.send([message(from: 1, to: 2, commit: commit)])
            commit += 1
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(received.commits.count >= 2)
        #expect(received.commits == received.commits.sorted())
        await receiver.stop()
        await sender.stop()
    }

    /// Connections accepted while the transport stops are closed too, whether or not
    /// they reached the accept loop (and the process survives them).
    @Test func stoppingClosesEveryAcceptedConnection() async throws {
        let (first, second) = (try freeLoopbackEndpoint(), try freeLoopbackEndpoint())
        let receiver = RunningTransport(me: 2, listen: second, peer: 1, at: first, deliver: { _ in },
                                        helloTimeout: .seconds(120))
        var sockets: [Int32] = []
        defer { sockets.forEach { _ = Glibc.close($0) } }
        while sockets.count < 20 {
            if let socket = connectLoopback(port: second.port) { sockets.append(socket) } else {
                try await Task.sleep(for: .milliseconds(10))  // the listener is not bound yet
            }
        }
        await receiver.stop()
        // Far sooner than the hello timeout (120 s) would close them.
        for socket in sockets { #expect(readsEndOfStream(socket, within: 20)) }
    }

    /// The peer's own connection to this node never exists here (it dials a port where
    /// nothing listens), so only the connection this node dialled can tell its end.
    @Test func aPeerWhoseProcessIsGoneIsReportedFromTheConnectionThisNodeDialled() async throws {
        let (first, second, nowhere) = (try freeLoopbackEndpoint(), try freeLoopbackEndpoint(), try freeLoopbackEndpoint())
        let down = Mutex<[NodeID]>([])
        let watcher = RunningTransport(me: 1, listen: first, peer: 2, at: second, deliver: { _ in },
                                       peerDown: { peer in down.withLock { $0.append(peer) } })
        let peer = RunningTransport(me: 2, listen: second, peer: 1, at: nowhere, deliver: { _ in })
        #expect(await waitUntil { watcher.transport.connectedPeers.contains(NodeID(rawValue: 2)) })
        #expect(down.withLock { $0 }.isEmpty)
        await peer.stop()
        #expect(await waitUntil { down.withLock { $0 }.contains(NodeID(rawValue: 2)) })
        await watcher.stop()
    }

    /// A peer that welcomes and then drops every connection (it cannot read this node's
    /// messages) is redialled with a growing delay, not every 50 ms forever.
    @Test func aPeerThatDropsEveryConnectionAfterTheWelcomeIsRedialledWithBackoff() async throws {
        let dials = Mutex(0)  // hellos received
        let peer = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                // Counted at the hello: the death probe's connections send nothing.
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(WelcomeThenClose { dials.withLock { $0 += 1 } })
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(peer.localAddress?.port)
        let sender = RunningTransport(me: 1, listen: try freeLoopbackEndpoint(), peer: 2,
                                      at: Endpoint(host: "127.0.0.1", port: port), deliver: { _ in })
        sender.transport.send([message(from: 1, to: 2, commit: 1)])
        #expect(await waitUntil { dials.withLock { $0 } >= 2 })
        // Redialling at once after each welcome made 49-80 connections in these three
        // seconds; with the delay growing from 50 ms to its 400 ms cap (each a random
        // 50-100 % of it), at most about 18 fit.
        try await Task.sleep(for: .seconds(3))
        let count = dials.withLock { $0 }
        #expect(count <= 20, "\(count) connections in about 3 s")
        await sender.stop()
        try await peer.close()
    }

    /// A peer that says hello again on a new connection gave the old one up: the old one
    /// is closed at once instead of holding a slot until keepalive finds it dead.
    @Test func aSecondHelloFromAPeerClosesItsOlderConnection() async throws {
        let listen = try freeLoopbackEndpoint()
        let receiver = RunningTransport(me: 2, listen: listen, peer: 1, at: try freeLoopbackEndpoint(), deliver: { _ in })
        let older = try #require(await connectRetrying(port: listen.port))
        defer { _ = Glibc.close(older) }
        #expect(sayHello(on: older))
        #expect(!closesAfterAnswering(older, within: 1), "the first connection closed before a second hello")
        let newer = try #require(await connectRetrying(port: listen.port))
        defer { _ = Glibc.close(newer) }
        #expect(sayHello(on: newer))
        #expect(closesAfterAnswering(older, within: 10), "the older connection stayed open")
        #expect(!closesAfterAnswering(newer, within: 1), "the newer connection was closed")
        await receiver.stop()
    }

    /// A hello held up on an older connection (a retransmission during a network fault)
    /// that arrives after the newer connection's closes the older one, not the one in use.
    @Test func aLateHelloOnAnOlderConnectionClosesThatOne() async throws {
        let listen = try freeLoopbackEndpoint()
        let receiver = RunningTransport(me: 2, listen: listen, peer: 1, at: try freeLoopbackEndpoint(), deliver: { _ in })
        let older = try #require(await connectRetrying(port: listen.port))
        defer { _ = Glibc.close(older) }
        let newer = try #require(await connectRetrying(port: listen.port))
        defer { _ = Glibc.close(newer) }
        // The older connection is accepted first (its hello is not sent yet).
        try await Task.sleep(for: .milliseconds(200))
        #expect(sayHello(on: newer))
        #expect(!closesAfterAnswering(newer, within: 1), "the newer connection closed before the late hello")
        #expect(sayHello(on: older))
        #expect(closesAfterAnswering(older, within: 10), "the older connection stayed open")
        #expect(!closesAfterAnswering(newer, within: 1), "the newer connection was closed by a late hello")
        await receiver.stop()
    }

    @Test func onlyUnreadableFramesCountAsUnreadableInput() {
        #expect(PeerInboundHandler.isUnreadableInput(WireError.malformed("3 trailing bytes")))
        #expect(PeerInboundHandler.isUnreadableInput(WireError.frameTooLarge(length: 1 << 30, limit: 1 << 20)))
        #expect(PeerInboundHandler.isUnreadableInput(WireError.unknownKind(99)))
        #expect(!PeerInboundHandler.isUnreadableInput(WireError.truncatedFrame(received: 3, expected: 9)))
        #expect(!PeerInboundHandler.isUnreadableInput(ChannelError.eof))
    }

    @Test func anOutboxKeepsOnlyTheNewestBatchesWhileNothingCanBeWritten() {
        let outbox = PeerOutbox(capacity: 3, targetFrameBytes: 1 << 20)
        for commit in 1...5 { outbox.send([message(from: 1, to: 2, commit: UInt64(commit))]) }
        #expect(outbox.droppedBatches == 2)
    }

    @Test func droppedBatchesAreAPrometheusCounterPerPeer() {
        let dropped = NodeMetrics.droppedBatches(node: NodeID(rawValue: 1), [NodeID(rawValue: 3): 7, NodeID(rawValue: 2): 0])
        let text = NodeMetrics().renderCounters(sampled: dropped)
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.count == 4)
        #expect(lines[1] == "# TYPE herald_peer_batches_dropped_total counter")
        #expect(lines[2] == "herald_peer_batches_dropped_total{node=\"1\",peer=\"2\"} 0")
        #expect(lines[3] == "herald_peer_batches_dropped_total{node=\"1\",peer=\"3\"} 7")
    }
}

private func message(from: UInt64, to: UInt64, commit: UInt64) -> PeerMessage {
    PeerMessage(from: NodeID(rawValue: from), to: NodeID(rawValue: to), term: Term(1),
                body: .heartbeat(commit: LogIndex(commit), context: 0))
}

/// A loopback connection to `port`, retried until the listener is up (nil after 20 s).
private func connectRetrying(port: Int) async -> Int32? {
    var socket: Int32?
    _ = await waitUntil {
        socket = connectLoopback(port: port)
        return socket != nil
    }
    return socket
}

/// Sends member 1's hello to member 2 on `socket`; false if it could not be sent whole.
private func sayHello(on socket: Int32) -> Bool {
    let bytes = Array(helloFrame(.hello, from: 1, to: 2).readableBytesView)
    return bytes.withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, 0) } == bytes.count
}

/// A hello or welcome frame of cluster "test", as it goes on the wire.
private func helloFrame(_ kind: PeerFrameKind, from: UInt64, to: UInt64) -> ByteBuffer {
    var payload = ByteBuffer()
    PeerHello(clusterName: "test", from: NodeID(rawValue: from), to: NodeID(rawValue: to)).encode(into: &payload)
    var frame = ByteBuffer()
    FrameEncoder().encode(data: Frame(kind: kind.rawValue, payload: payload), out: &frame)
    return frame
}

/// Answers the first bytes of a connection (a hello) with a welcome frame, then closes.
private final class WelcomeThenClose: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    private let greeted: @Sendable () -> Void
    private var answered = false

    init(greeted: @escaping @Sendable () -> Void) { self.greeted = greeted }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !answered else { return }
        answered = true
        greeted()
        let channel = context.channel
        context.writeAndFlush(NIOAny(helloFrame(.welcome, from: 2, to: 1))).whenComplete { _ in channel.close(promise: nil) }
    }
}

/// What one transport delivered, with a deadline-bounded wait.
private final class Received: Sendable {
    private let messages = Mutex<[PeerMessage]>([])

    var commits: [UInt64] {
        messages.withLock { $0.compactMap { message -> UInt64? in
            if case .heartbeat(let commit, _) = message.body { return commit.rawValue }
            return nil
        } }
    }

    func append(_ batch: [PeerMessage]) { messages.withLock { $0.append(contentsOf: batch) } }

    func waitFor(count: Int) async -> Bool {
        await waitUntil { self.messages.withLock { $0.count } >= count }
    }
}


/// A transport run by its own service group, as in a node.
private struct RunningTransport {
    let transport: PeerTransport
    let group: ServiceGroup
    let task: Task<Void, any Error>

    init(me: UInt64, listen: Endpoint, peer: UInt64, at address: Endpoint,
         deliver: @escaping PeerTransport.Deliver, unreachable: @escaping PeerTransport.Unreachable = { _ in },
         peerDown: @escaping PeerTransport.PeerDown = { _ in }, helloTimeout: Duration = .seconds(5)) {
        var logger = Logger(label: "test.transport.\(me)")
        logger.logLevel = .warning
        transport = PeerTransport(clusterName: "test", me: NodeID(rawValue: me), listenAddress: listen,
                                  peers: [NodeID(rawValue: peer): address], helloTimeout: helloTimeout, logger: logger,
                                  deliver: deliver, unreachable: unreachable, peerDown: peerDown)
        let group = ServiceGroup(services: [transport], logger: logger)
        self.group = group
        task = Task { try await group.run() }
    }

    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }
}

/// A TCP connection to `port` on loopback, or nil when it is refused.
private func connectLoopback(port: Int) -> Int32? {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return nil }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = UInt16(port).bigEndian
    let connected = withUnsafePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
        }
    }
    if !connected { _ = Glibc.close(fd) }
    return connected ? fd : nil
}

/// Whether the other end closes `socket` (end of stream, or a reset for a connection
/// still in the listen backlog) within `seconds`; it sends nothing meanwhile.
private func readsEndOfStream(_ socket: Int32, within seconds: Int) -> Bool {
    var timeout = timeval(tv_sec: seconds, tv_usec: 0)
    setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var byte: UInt8 = 0
    let received = recv(socket, &byte, 1, 0)
    return received == 0 || (received < 0 && errno == ECONNRESET)
}

/// Whether the other end closes `socket` within `seconds`, reading (and discarding)
/// whatever it sends before that; false when it is still open at the deadline.
private func closesAfterAnswering(_ socket: Int32, within seconds: Int) -> Bool {
    let deadline = ContinuousClock.now + .seconds(seconds)
    var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
    setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var buffer = [UInt8](repeating: 0, count: 4096)
    while ContinuousClock.now < deadline {
        let received = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
        if received == 0 || (received < 0 && errno == ECONNRESET) { return true }
    }
    return false
}

/// A loopback endpoint nobody listens on (the kernel's pick of a free port).
private func freeLoopbackEndpoint() throws -> Endpoint {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { if fd >= 0 { _ = Glibc.close(fd) } }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
            bind(fd, socketAddress, length) == 0 && getsockname(fd, socketAddress, &length) == 0
        }
    }
    guard fd >= 0, bound else { throw PortError() }
    return Endpoint(host: "127.0.0.1", port: Int(UInt16(bigEndian: address.sin_port)))
}

private struct PortError: Error {}
