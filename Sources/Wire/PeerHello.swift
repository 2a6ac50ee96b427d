public import NIOCore
public import RaftCore

/// The handshake on a peer connection: which cluster and which member is speaking.
/// A listener refuses a hello from another cluster or from a node that is not a member,
/// so stray or misconfigured processes cannot inject Raft traffic.
public struct PeerHello: Equatable, Sendable {
    /// The wire protocol version; a listener refuses versions it does not speak.
    public var protocolVersion: UInt16
    /// The cluster's name from the configuration.
    public var clusterName: String
    /// The speaking node.
    public var from: NodeID
    /// The node the speaker believes it dialled.
    public var to: NodeID

    /// The version this build speaks.
    public static let currentVersion: UInt16 = 1

    /// Creates a hello.
    public init(protocolVersion: UInt16 = PeerHello.currentVersion, clusterName: String, from: NodeID, to: NodeID) {
        self.protocolVersion = protocolVersion
        self.clusterName = clusterName
        self.from = from
        self.to = to
    }

    /// Appends the hello's payload to `buffer`.
    public func encode(into buffer: inout ByteBuffer) {
        buffer.writeInteger(protocolVersion)
        buffer.writeLengthPrefixed(clusterName)
        buffer.writeInteger(from.rawValue)
        buffer.writeInteger(to.rawValue)
    }

    /// Reads a hello payload.
    /// - Throws: `WireError.malformed` for a truncated or invalid payload.
    public static func decode(from buffer: inout ByteBuffer) throws(WireError) -> PeerHello {
        let version = try buffer.readRequired(UInt16.self, "protocol version")
        let name = try buffer.readLengthPrefixedString("cluster name", limit: 256)
        let from = NodeID(try buffer.readRequired(UInt64.self, "from"))
        let to = NodeID(try buffer.readRequired(UInt64.self, "to"))
        guard buffer.readableBytes == 0 else { throw WireError.malformed("\(buffer.readableBytes) trailing bytes after hello") }
        return PeerHello(protocolVersion: version, clusterName: name, from: from, to: to)
    }
}
