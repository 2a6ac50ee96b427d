import Logging
import NIOCore
import RaftCore
import Synchronization
import Wire

/// Serves one connection a peer dialled to this node, on its event loop: the first
/// frame must be the peer's hello, answered with a welcome or a refusal; after the
/// welcome every frame carries Raft messages, decoded here and handed to the Raft loop
/// with no hop to a task between. Anything else closes the connection (the peer redials;
/// Raft resends what was lost).
final class PeerInboundHandler: ChannelInboundHandler {
    typealias InboundIn = Frame
    typealias OutboundOut = Frame

    /// Which node a connection was welcomed from, for whoever waits for it to close.
    final class WelcomedPeer: Sendable {
        private let node = Mutex<NodeID?>(nil)

        /// The node, once its hello was accepted.
        var peer: NodeID? { node.withLock { $0 } }

        fileprivate func set(_ peer: NodeID) { node.withLock { $0 = peer } }
    }

    private let clusterName: String
    private let me: NodeID
    /// Why a hello is refused, or nil to welcome it.
    private let refusal: @Sendable (PeerHello) -> String?
    private let deliver: PeerTransport.Deliver
    /// Told when a hello is welcomed, with the connection.
    private let onWelcome: @Sendable (NodeID, any Channel) -> Void
    private let welcomed: WelcomedPeer
    private let logger: Logger
    private var peer: NodeID?

    init(clusterName: String, me: NodeID, welcomed: WelcomedPeer, logger: Logger,
         refusal: @escaping @Sendable (PeerHello) -> String?, deliver: @escaping PeerTransport.Deliver,
         onWelcome: @escaping @Sendable (NodeID, any Channel) -> Void = { _, _ in }) {
        self.clusterName = clusterName
        self.me = me
        self.welcomed = welcomed
        self.logger = logger
        self.refusal = refusal
        self.deliver = deliver
        self.onWelcome = onWelcome
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        do {
            if let peer {
                try receive(frame, from: peer)
            } else {
                try greet(frame, context: context)
            }
        } catch {
            end(context: context, error: error)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        end(context: context, error: error)
    }

    /// Closes the connection. What a welcomed peer sent that this node cannot read is
    /// logged as a warning (a peer of another version, or a corrupted stream: the link
    /// carries nothing until an operator looks); anything else at debug: a connection
    /// that merely dropped, or one that never said hello (a port scanner, a health check,
    /// a client dialling the wrong port).
    private func end(context: ChannelHandlerContext, error: any Error) {
        var metadata: Logger.Metadata = ["error": "\(error)"]
        if let remote = context.remoteAddress { metadata["remote"] = "\(remote)" }
        if let peer { metadata["peer"] = "\(peer)" }
        if peer != nil && Self.isUnreadableInput(error) {
            logger.warning("closed a peer connection that sent what this node cannot read", metadata: metadata)
        } else {
            logger.debug("inbound peer connection ended", metadata: metadata)
        }
        context.close(promise: nil)
    }

    /// Whether `error` says the peer's bytes were not a valid frame or message (as
    /// opposed to the connection ending, even mid-frame).
    static func isUnreadableInput(_ error: any Error) -> Bool {
        guard let wireError = error as? WireError else { return false }
        if case .truncatedFrame = wireError { return false }
        return true
    }

    private func greet(_ first: Frame, context: ChannelHandlerContext) throws {
        guard first.kind == PeerFrameKind.hello.rawValue else {
            refuse("expected a hello frame first", context: context)
            return
        }
        var payload = first.payload
        let hello = try PeerHello.decode(from: &payload)
        if let reason = refusal(hello) {
            logger.warning("refused peer connection", metadata: ["reason": "\(reason)", "claimed": "\(hello.from)"])
            refuse(reason, context: context)
            return
        }
        var welcome = ByteBuffer()
        PeerHello(clusterName: clusterName, from: me, to: hello.from).encode(into: &welcome)
        context.writeAndFlush(wrapOutboundOut(Frame(kind: PeerFrameKind.welcome.rawValue, payload: welcome)), promise: nil)
        peer = hello.from
        welcomed.set(hello.from)
        onWelcome(hello.from, context.channel)
    }

    private func receive(_ frame: Frame, from peer: NodeID) throws {
        guard frame.kind == PeerFrameKind.raftMessages.rawValue else { throw WireError.unknownKind(frame.kind) }
        var body = frame.payload
        let messages = try PeerMessageCodec.decodeMessages(from: &body)
        // A peer may speak only for itself, only to this node.
        let valid = messages.filter { $0.from == peer && $0.to == me }
        if !valid.isEmpty { deliver(valid) }
    }

    /// Answers with a refusal, then closes the connection.
    private func refuse(_ reason: String, context: ChannelHandlerContext) {
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(Frame(kind: PeerFrameKind.refused.rawValue, payload: ByteBuffer(string: reason))))
            .whenComplete { _ in channel.close(promise: nil) }
    }
}

@available(*, unavailable)
extension PeerInboundHandler: Sendable {}
