public import RaftCore

/// A node's answer to `hello`: who it is and what it accepts.
public struct ProducerWelcome: Equatable, Sendable {
    /// The protocol version the node will speak on this connection.
    public var version: UInt16
    /// The node that answered.
    public var node: NodeID
    /// The leader as far as the node knows; `nil` (0 on the wire) when unknown.
    public var leader: NodeID?
    /// The largest frame body (kind + payload) the node accepts.
    public var maxFrameBytes: UInt32
    /// The most requests the node answers at a time on this connection.
    public var maxInFlight: UInt32

    /// Creates a welcome.
    public init(version: UInt16 = ProducerLimits.version, node: NodeID, leader: NodeID?,
                maxFrameBytes: UInt32 = UInt32(ProducerLimits.defaultMaxFrameBytes),
                maxInFlight: UInt32 = UInt32(ProducerLimits.defaultMaxInFlight)) {
        self.version = version
        self.node = node
        self.leader = leader
        self.maxFrameBytes = maxFrameBytes
        self.maxInFlight = maxInFlight
    }
}
