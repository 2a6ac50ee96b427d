public import HeraldConfig
public import Logging
import NIOCore
import NIOPosix
public import RaftCore
public import ServiceLifecycle
import Synchronization
import Wire

/// Raft traffic between nodes over persistent TCP connections.
///
/// Each node dials every peer once and keeps that connection for its outgoing
/// messages, reconnecting with capped exponential backoff; it accepts the peers'
/// connections for their messages to it. A connection starts with a `PeerHello`;
/// the listener refuses a hello from another cluster, from a node that is not a
/// member, or addressed to another node, so nothing else can inject Raft traffic.
///
/// Outgoing messages wait in a bounded per-peer queue; when it is full (a slow or
/// dead peer) the oldest batches are dropped. Raft tolerates lost messages: the
/// leader retries from each follower's progress.
public final class PeerTransport: Service, Sendable {
    /// Where received messages go.
    public typealias Deliver = @Sendable ([PeerMessage]) -> Void
    /// Told when a peer cannot be reached, so the leader probes it instead of streaming.
    public typealias Unreachable = @Sendable (NodeID) -> Void
    /// Told when a peer's process is gone (its connection closed and its port refuses).
    public typealias PeerDown = @Sendable (NodeID) -> Void

    private let clusterName: String
    private let me: NodeID
    private let listenAddress: Endpoint
    private let peers: [NodeID: Endpoint]
    private let outboxes: [NodeID: PeerOutbox]
    private let deliver: Deliver
    private let unreachable: Unreachable
    private let peerDown: PeerDown
    private let logger: Logger
    private let maxFrameBytes: Int
    /// Outgoing frames are cut near this size.
    private static let targetFrameBytes = 4 << 20
    /// A dialled connection that stayed up this long resets the redial backoff.
    static let stableConnection: Duration = .seconds(5)
    /// The longest redial delay after a welcomed connection that did not last.
    static let redialAfterShortConnection: Duration = .milliseconds(400)
    private let helloTimeout: Duration
    /// Peers with a live outgoing connection, for status.
    private let connected = Mutex<Set<NodeID>>([])
    /// Accepted connections not yet closed, closed when the transport stops.
    private let inboundConnections = OpenConnections()
    /// The newest welcomed connection from each peer and its place in accept order (see
    /// `noteWelcomed`).
    private let newestInbound = Mutex<[NodeID: (channel: any Channel, accepted: UInt64)]>([:])
    /// Connections accepted so far, numbering them in accept order.
    private let acceptedCount = Atomic<UInt64>(0)

    /// Creates the transport; nothing is opened until `run()`.
    /// - Parameters:
    ///   - clusterName: sent and checked in every hello.
    ///   - me: this node.
    ///   - listenAddress: where peers dial this node.
    ///   - peers: every other member and its peer address.
    ///   - maxFrameBytes: the largest frame accepted from a peer.
    ///   - logger: where to log.
    ///   - deliver: receives each decoded batch of messages addressed to this node.
    ///   - unreachable: told when dialling a peer fails.
    ///   - peerDown: told when a peer's inbound connection ended and its peer port then
    ///     refused a connection (`PeerDeathProbe`): its process is gone.
    public init(clusterName: String, me: NodeID, listenAddress: Endpoint, peers: [NodeID: Endpoint],
                maxFrameBytes: Int = 80 << 20, helloTimeout: Duration = .seconds(5), logger: Logger,
                deliver: @escaping Deliver, unreachable: @escaping Unreachable,
                peerDown: @escaping PeerDown = { _ in }) {
        self.clusterName = clusterName
        self.me = me
        self.listenAddress = listenAddress
        self.peers = peers
        self.maxFrameBytes = maxFrameBytes
        self.helloTimeout = helloTimeout
        self.logger = logger
        self.deliver = deliver
        self.unreachable = unreachable
        self.peerDown = peerDown
        var outboxes: [NodeID: PeerOutbox] = [:]
        for peer in peers.keys { outboxes[peer] = PeerOutbox(targetFrameBytes: Self.targetFrameBytes) }
        self.outboxes = outboxes
    }

    /// Queues `messages` for their receivers; never blocks. Messages to unknown nodes are dropped.
    public func send(_ messages: [PeerMessage]) {
        guard !messages.isEmpty else { return }
        var byPeer: [NodeID: [PeerMessage]] = [:]
        for message in messages { byPeer[message.to, default: []].append(message) }
        for (peer, batch) in byPeer {
            outboxes[peer]?.send(batch)
        }
    }

    /// The peers this node currently has an outgoing connection to.
    public var connectedPeers: Set<NodeID> { connected.withLock { $0 } }

    /// Batches of Raft messages dropped per peer because too many waited for its
    /// connection (see `PeerOutbox`; Raft sends again what a follower still needs).
    public var droppedBatches: [NodeID: UInt64] { outboxes.mapValues(\.droppedBatches) }

    /// The largest first frame (the hello) accepted on a peer connection.
    static let maxHelloBytes = 64 << 10

    /// Peer connections accepted at once: eight per peer and sixteen more.
    static func maxInboundConnections(peers: Int) -> Int { 8 * peers + 16 }

    /// Listens and dials until graceful shutdown.
    public func run() async throws {
        try await withThrowingDiscardingTaskGroup { group in
            let server = try await bindListener()
            logger.info("peer transport listening", metadata: ["address": "\(listenAddress)"])
            for (peer, outbox) in outboxes {
                group.addTask { await self.dialLoop(peer: peer, outbox: outbox) }
            }
            // NB: a few per peer (a reconnect can overlap the old connection's close, and
            // probes come and go); more are refused, so clients on this port cannot take
            // the descriptors the stores need.
            let slots = ConnectionSlots(limit: Self.maxInboundConnections(peers: peers.count))
            try await server.executeThenClose { inbound in
                for try await connection in inbound.cancelOnGracefulShutdown() {
                    guard slots.take() else {
                        logger.warning("peer connection refused: too many open",
                                       metadata: ["limit": "\(slots.limit)"])
                        connection.channel.close(promise: nil)
                        continue
                    }
                    group.addTask {
                        defer { slots.give() }
                        await self.serveInbound(connection)
                    }
                }
            }
            await inboundConnections.closeAll()
            group.cancelAll()  // the dial loops: their connections close, their sleeps end
        }
    }

    // MARK: - Listening

    /// An accepted peer connection and, once its hello is accepted, who it is.
    private struct InboundConnection: Sendable {
        var channel: any Channel
        var welcomed: PeerInboundHandler.WelcomedPeer
    }

    private func bindListener() async throws -> NIOAsyncChannel<InboundConnection, Never> {
        let limit = maxFrameBytes
        let helloTimeout = self.helloTimeoutAmount
        return try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .peerKeepalive()
            .bind(host: listenAddress.host, port: listenAddress.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    // NB: a plain channel, not an async wrapper: a connection accepted while
                    // the node shuts down is dropped unserved, which an unfinished
                    // NIOAsyncChannel does not survive (a precondition failure in NIO).
                    try FramedChannel.addFrameHandlers(to: channel, maxFrameBytes: limit, maxFirstFrameBytes: Self.maxHelloBytes)
                    try channel.pipeline.syncOperations.addHandler(HelloTimeoutHandler(limit: helloTimeout))
                    let welcomed = PeerInboundHandler.WelcomedPeer()
                    let accepted = self.acceptedCount.add(1, ordering: .relaxed).newValue
                    try channel.pipeline.syncOperations.addHandler(PeerInboundHandler(
                        clusterName: self.clusterName, me: self.me, welcomed: welcomed,
                        logger: self.logger, refusal: { self.refusal(for: $0) }, deliver: self.deliver,
                        onWelcome: { self.noteWelcomed($0, on: $1, accepted: accepted) }))
                    self.inboundConnections.track(channel)
                    return InboundConnection(channel: channel, welcomed: welcomed)
                }
            }
    }

    /// Waits until an accepted connection closes (its handler serves it; stopping the
    /// transport closes it); then, if it came from a welcomed peer, checks whether that
    /// peer's process is gone.
    private func serveInbound(_ connection: InboundConnection) async {
        try? await connection.channel.closeFuture.get()
        if let peer = connection.welcomed.peer, !Task.isShuttingDownGracefully {
            await reportIfGone(peer, connection: "accepted")
        }
    }

    /// Tells `peerDown` when `peer`'s port now refuses connections: a connection with it
    /// just closed, and its process may be gone.
    ///
    /// NB: a process killed outright closes its sockets at once, long before an election
    /// timeout; a refused reconnect tells that apart from a network fault. Both the
    /// connection the peer dialled and the one this node dialled ask, for a second
    /// chance: in a benchmark run, one kill of 20 was noticed by only one of the two
    /// survivors, and the other waited for its election timeout. A second report
    /// changes nothing.
    private func reportIfGone(_ peer: NodeID, connection: String) async {
        guard let address = peers[peer], await PeerDeathProbe.refusesConnections(at: address) else { return }
        logger.notice("peer process is gone (connection closed, port refuses)",
                      metadata: ["peer": "\(peer)", "connection": "\(connection)"])
        peerDown(peer)
    }

    /// Closes the connection `peer` opened before this one, if still open. A peer dials
    /// one connection at a time, so a newer connection means it gave the older one up;
    /// after a network fault the old one may be half-open, and would hold a connection
    /// slot until keepalive noticed it, 25 s later (flapping links filled the slots).
    /// Order is accept order: a hello that arrives late on an older connection closes
    /// that one, not the newer connection in use.
    private func noteWelcomed(_ peer: NodeID, on channel: any Channel, accepted: UInt64) {
        let (older, kept): ((any Channel)?, any Channel) = newestInbound.withLock { newest in
            if let current = newest[peer], current.accepted > accepted { return (channel, current.channel) }
            let previous = newest[peer]?.channel
            newest[peer] = (channel, accepted)
            return (previous, channel)
        }
        guard let older, older.isActive else { return }
        // NB: the addresses tell two processes configured with one node id (they knock
        // each other's connection off, again and again) from one peer reconnecting.
        logger.info("closed an older connection from a peer that connected again", metadata: [
            "peer": "\(peer)", "closed": "\(older.remoteAddress.map { "\($0)" } ?? "?")",
            "kept": "\(kept.remoteAddress.map { "\($0)" } ?? "?")",
        ])
        older.close(promise: nil)
    }

    private var helloTimeoutAmount: TimeAmount { TimeAmount(helloTimeout) }

    private func refusal(for hello: PeerHello) -> String? {
        if hello.protocolVersion != PeerHello.currentVersion {
            return "protocol version \(hello.protocolVersion) is not supported (this node speaks \(PeerHello.currentVersion))"
        }
        if hello.clusterName != clusterName {
            return "cluster \"\(hello.clusterName)\" is not this cluster (\"\(clusterName)\")"
        }
        if hello.to != me { return "this is node \(me), not \(hello.to)" }
        if peers[hello.from] == nil { return "node \(hello.from) is not a member of this cluster" }
        return nil
    }

    // MARK: - Dialling

    private func dialLoop(peer: NodeID, outbox: PeerOutbox) async {
        guard let address = peers[peer] else { return }
        var backoff = Backoff(initial: .milliseconds(50), maximum: .seconds(2))
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            var welcomedAt: ContinuousClock.Instant?
            do {
                try await connectAndServe(to: peer, at: address, outbox: outbox, welcomedAt: &welcomedAt)
            } catch {
                logger.debug("peer connection failed", metadata: ["peer": "\(peer)", "error": "\(error)"])
            }
            connected.withLock { _ = $0.remove(peer) }
            guard !Task.isCancelled && !Task.isShuttingDownGracefully else { return }
            unreachable(peer)
            // NB: only a connection that lasted resets the backoff. A peer that welcomes
            // and then closes at once (it cannot read what this node sends: another
            // version, a corrupted stream) was redialled every 50 ms, forever. A short
            // one still brings the delay down to a fraction of an election timeout: a
            // peer restarted twice in a row is back soon.
            if let welcomedAt {
                if ContinuousClock.now - welcomedAt >= Self.stableConnection {
                    backoff.reset()
                } else {
                    backoff.limit(to: Self.redialAfterShortConnection)
                }
                // Not awaited: a live peer's port accepts for up to the probe's settle time,
                // and redialling it should not wait for that.
                Task { await self.reportIfGone(peer, connection: "dialled") }
            }
            do {
                try await Task.sleep(for: backoff.next())
            } catch {
                return
            }
        }
    }

    /// Dials `peer`, says hello, then lets `outbox` write on the connection until it
    /// closes (or the transport stops).
    /// - Parameter welcomedAt: set to the time the peer welcomed this node.
    private func connectAndServe(to peer: NodeID, at address: Endpoint, outbox: PeerOutbox,
                                 welcomedAt: inout ContinuousClock.Instant?) async throws {
        let limit = maxFrameBytes
        let connection = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(2))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelOption(.writeBufferWaterMark, value: .init(low: 1 << 20, high: 4 << 20))
            .peerKeepalive()
            .connect(host: address.host, port: address.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(PeerOutbox.WritabilityWatcher(outbox: outbox))
                    return try FramedChannel.configure(channel, maxFrameBytes: limit)
                }
            }
        let channel = connection.channel
        return try await connection.executeThenClose { inbound, outbound in
            var hello = ByteBuffer()
            PeerHello(clusterName: clusterName, from: me, to: peer).encode(into: &hello)
            try await outbound.write(Frame(kind: PeerFrameKind.hello.rawValue, payload: hello))
            var answers = inbound.makeAsyncIterator()
            guard let answer = try await nextFrame(&answers, on: channel) else {
                throw PeerRefusal(reason: "closed before answering the hello")
            }
            guard answer.kind == PeerFrameKind.welcome.rawValue else {
                throw PeerRefusal(reason: String(buffer: answer.payload))
            }
            connected.withLock { _ = $0.insert(peer) }
            welcomedAt = .now
            logger.info("connected to peer", metadata: ["peer": "\(peer)", "address": "\(address)"])
            // The outbox writes on the event loop from here on; the peer sends nothing
            // more on this connection, so this only waits for it to close.
            outbox.attach(channel)
            defer { outbox.detach(channel) }
            try await withTaskCancellationHandler {
                try await withGracefulShutdownHandler {
                    try await channel.closeFuture.get()
                } onGracefulShutdown: {
                    channel.close(promise: nil)
                }
            } onCancel: {
                channel.close(promise: nil)
            }
        }
    }
}

extension PeerTransport {
    /// The next frame, or a closed channel if none arrives within the hello timeout.
    private func nextFrame(_ frames: inout NIOAsyncChannelInboundStream<Frame>.AsyncIterator,
                           on channel: any Channel) async throws -> Frame? {
        let timer = channel.eventLoop.scheduleTask(in: helloTimeoutAmount) {
            channel.close(promise: nil)
        }
        defer { timer.cancel() }
        return try await frames.next()
    }
}

extension PeerTransport {
    /// Splits `messages` into runs whose entry and snapshot bytes stay near
    /// `targetBytes` (a single larger message gets a frame of its own).
    static func frameGroups(_ messages: [PeerMessage], targetBytes: Int) -> [[PeerMessage]] {
        var groups: [[PeerMessage]] = []
        var current: [PeerMessage] = []
        var currentBytes = 0
        for message in messages {
            let bytes = message.payloadBytes
            if !current.isEmpty, currentBytes + bytes > targetBytes {
                groups.append(current)
                current = []
                currentBytes = 0
            }
            current.append(message)
            currentBytes += bytes
        }
        if !current.isEmpty { groups.append(current) }
        return groups
    }
}

extension PeerMessage {
    /// Bytes of entry data or snapshot chunk carried (the bulk of a message's size).
    var payloadBytes: Int {
        switch body {
        case .append(_, _, let entries, _): entries.reduce(64) { $0 + $1.data.count + 32 }
        case .installSnapshot(_, _, let chunk, _): chunk.count + 64
        default: 64
        }
    }
}

/// A peer answered the hello with a refusal.
struct PeerRefusal: Error, CustomStringConvertible {
    var reason: String
    var description: String { "peer refused the connection: \(reason)" }
}
