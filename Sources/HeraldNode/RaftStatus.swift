public import RaftCore

/// A snapshot of one node's Raft state, for `/v1/status` and `herald status`.
public struct RaftStatus: Sendable, Equatable {
    /// This node.
    public var id: NodeID
    /// Its role.
    public var role: Role
    /// Its current term.
    public var term: Term
    /// The leader it follows, if known.
    public var leader: NodeID?
    /// Highest index known committed.
    public var commitIndex: LogIndex
    /// Highest index applied to the state store.
    public var appliedIndex: LogIndex
    /// Last index in its log.
    public var lastIndex: LogIndex
    /// The index its latest snapshot covers; its log starts after it.
    public var snapshotIndex: LogIndex
    /// The membership in force.
    public var membership: Membership

    /// Creates a status.
    public init(id: NodeID, role: Role, term: Term, leader: NodeID?, commitIndex: LogIndex,
                appliedIndex: LogIndex, lastIndex: LogIndex, snapshotIndex: LogIndex = .zero, membership: Membership) {
        self.id = id
        self.role = role
        self.term = term
        self.leader = leader
        self.commitIndex = commitIndex
        self.appliedIndex = appliedIndex
        self.lastIndex = lastIndex
        self.snapshotIndex = snapshotIndex
        self.membership = membership
    }
}
