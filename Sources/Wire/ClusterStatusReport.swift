public import RaftCore

/// The answering node's view of the cluster.
public struct ClusterStatusReport: Equatable, Sendable {
    /// One member as the answering node sees it.
    public struct Node: Equatable, Sendable {
        /// The member.
        public var node: NodeID
        /// `leader`, `follower`, `candidate`, `learner`, … as the node reports it.
        public var role: String
        /// Whether the answering node can reach it now.
        public var reachable: Bool
        /// The highest log index known committed.
        public var commitIndex: LogIndex
        /// The highest log index applied to the state machine.
        public var appliedIndex: LogIndex
        /// A digest of the applied state, to compare replicas at the same `appliedIndex`.
        public var digest: UInt64

        /// Creates a node line.
        public init(node: NodeID, role: String, reachable: Bool, commitIndex: LogIndex, appliedIndex: LogIndex,
                    digest: UInt64) {
            self.node = node
            self.role = role
            self.reachable = reachable
            self.commitIndex = commitIndex
            self.appliedIndex = appliedIndex
            self.digest = digest
        }
    }

    /// The leader; `nil` (0 on the wire) when unknown.
    public var leader: NodeID?
    /// The answering node's current term.
    public var term: Term
    /// Every member.
    public var nodes: [Node]

    /// Creates a report.
    public init(leader: NodeID?, term: Term, nodes: [Node]) {
        self.leader = leader
        self.term = term
        self.nodes = nodes
    }
}
