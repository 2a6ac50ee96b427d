/// Why the core refused a proposal. Each case is an expected refusal the caller handles.
public enum ProposalError: Error, Hashable, Sendable {
    /// This node is not the leader; `hint` is the leader it knows of, if any.
    case notLeader(hint: NodeID?)
    /// Too many uncommitted bytes at the leader; retry later.
    case overloaded(uncommittedBytes: Int, limit: Int)
    /// One entry may not exceed `maxEntryBytes`.
    case tooLarge(bytes: Int, limit: Int)
    /// A leadership transfer is under way; proposals wait for the new leader.
    case transferInProgress
    /// A membership change is already pending, or this leader has not yet committed an
    /// entry of its own term (one-at-a-time safety rule).
    case membershipChangePending
    /// The membership change makes no sense against the current membership
    /// (e.g. promote a node that is not a learner, remove the last voter).
    case invalidMembershipChange(String)
}

/// Why a leadership transfer was refused.
public enum TransferError: Error, Hashable, Sendable {
    /// Only the leader can transfer leadership.
    case notLeader(hint: NodeID?)
    /// The target is not a voter of the current membership.
    case notAVoter(NodeID)
    /// The target is this node.
    case alreadyLeader
}

/// Why a linearizable read was refused.
public enum ReadIndexError: Error, Hashable, Sendable {
    /// No leader is known to forward the read to.
    case noLeader
    /// The leader has not committed an entry of its term yet; retry shortly.
    case leaderNotReady
}

/// The durable state a node restarts from, as recovered from its log store.
public struct RestoredState: Sendable {
    /// The persisted hard state.
    public var hardState: HardState
    /// The latest snapshot, if the log was compacted.
    public var snapshot: Snapshot?
    /// The stable entries after the snapshot, contiguous and in order.
    public var entries: [Entry]
    /// The membership a brand-new cluster starts with (used only when neither the
    /// snapshot nor the entries carry one).
    public var initialMembership: Membership
    /// The highest index the state machine has already applied (for Herald: the
    /// applied index stored in RocksDB). The core hands out committed entries only
    /// after `max(applied, snapshot index)`. 0 (the default) re-delivers every
    /// committed entry after the snapshot; the state machine MUST then skip duplicates.
    public var applied: LogIndex

    /// Creates restored state.
    public init(hardState: HardState = HardState(), snapshot: Snapshot? = nil, entries: [Entry] = [],
                initialMembership: Membership, applied: LogIndex = .zero) {
        self.hardState = hardState
        self.snapshot = snapshot
        self.entries = entries
        self.initialMembership = initialMembership
        self.applied = applied
    }
}
