import NIOCore
import RaftCore
import Wire

/// Reads the Raft messages of one welcomed inbound peer connection on its event loop
/// and hands each decoded batch to the Raft loop, with no hop to a task between.
/// A frame of another kind or one that does not decode closes the connection (the
/// peer reconnects; Raft resends what was lost).
final class PeerMessageReceiver: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = Frame

    private let peer: NodeID
    private let me: NodeID
    private let deliver: PeerTransport.Deliver

    /// - Parameters:
    ///   - peer: the node the hello came from; it may speak only for itself.
    ///   - me: this node; messages to anyone else are dropped.
    ///   - deliver: where valid messages go.
    init(peer: NodeID, me: NodeID, deliver: @escaping PeerTransport.Deliver) {
        self.peer = peer
        self.me = me
        self.deliver = deliver
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        do {
            guard frame.kind == PeerFrameKind.raftMessages.rawValue else { throw WireError.unknownKind(frame.kind) }
            var body = frame.payload
            let messages = try PeerMessageCodec.decodeMessages(from: &body)
            let valid = messages.filter { $0.from == peer && $0.to == me }
            if !valid.isEmpty { deliver(valid) }
        } catch {
            context.fireErrorCaught(error)
            context.close(promise: nil)
        }
    }
}

@available(*, unavailable)
extension PeerMessageReceiver: Sendable {}
