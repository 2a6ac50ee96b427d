public import RaftCore

/// A cut in the simulated network. Messages that cross a cut are lost, whether they
/// were sent before or during it (they are checked when sent and when delivered).
public enum NetworkPartition: Hashable, Sendable, CustomStringConvertible {
    /// Two sides that cannot reach each other in either direction.
    case symmetric(Set<NodeID>, Set<NodeID>)
    /// Messages from `from` to `to` are lost; the other direction works (a one-way
    /// link failure, e.g. a firewall rule on one side).
    case oneWay(from: Set<NodeID>, to: Set<NodeID>)
    /// Two sides that cannot reach each other, plus one node that reaches both
    /// (the case that defeats naive leader leases: the bridge can keep both sides busy).
    case bridge(Set<NodeID>, Set<NodeID>, bridge: NodeID)

    /// Whether a message from `sender` to `receiver` gets through this cut.
    /// - Parameters:
    ///   - sender: the sending node.
    ///   - receiver: the receiving node.
    /// - Returns: false when the cut loses the message.
    public func allows(from sender: NodeID, to receiver: NodeID) -> Bool {
        switch self {
        case let .symmetric(left, right), let .bridge(left, right, _):
            return !(left.contains(sender) && right.contains(receiver))
                && !(right.contains(sender) && left.contains(receiver))
        case let .oneWay(from, to):
            return !(from.contains(sender) && to.contains(receiver))
        }
    }

    public var description: String {
        func list(_ nodes: Set<NodeID>) -> String {
            "{" + nodes.sorted().map(\.description).joined(separator: ",") + "}"
        }
        switch self {
        case let .symmetric(left, right): return "symmetric \(list(left)) | \(list(right))"
        case let .oneWay(from, to): return "one-way \(list(from)) -/-> \(list(to))"
        case let .bridge(left, right, bridge): return "bridge \(list(left)) | \(list(right)) via \(bridge)"
        }
    }
}
