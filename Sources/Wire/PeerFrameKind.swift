/// Frame kinds on a peer (Raft) connection.
public enum PeerFrameKind: UInt8, Sendable {
    /// First frame from the dialling node: `PeerHello`.
    case hello = 1
    /// The listener accepts the hello: `PeerHello` of the listener.
    case welcome = 2
    /// The listener refuses: a UTF-8 reason; the connection is closed after it.
    case refused = 3
    /// One or more Raft messages: `u32` count, then each `PeerMessage`.
    case raftMessages = 4
}
