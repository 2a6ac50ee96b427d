/// Tunables of one Raft node. Time is in ticks; the shell decides how long a tick is.
public struct RaftConfig: Hashable, Sendable {
    /// This node.
    public var id: NodeID
    /// Ticks without hearing a leader before a follower campaigns. The actual timeout
    /// is drawn from `[electionTicks, 2 * electionTicks)` by the core's seeded PRNG.
    public var electionTicks: Int
    /// Ticks between a leader's heartbeats. MUST be below `electionTicks`.
    public var heartbeatTicks: Int
    /// Pre-vote (thesis §9.6): a partitioned node does not disrupt the cluster on return.
    public var preVote: Bool
    /// Check-quorum: a leader that has not heard from a quorum within an election
    /// timeout steps down, and followers ignore votes while they hear a leader.
    public var checkQuorum: Bool
    /// Upper bound on the entry bytes in one AppendEntries message (a single larger
    /// entry is still sent, alone).
    public var maxMessageBytes: Int
    /// The largest entry a proposal may carry; larger ones are refused with
    /// `ProposalError.tooLarge`.
    public var maxEntryBytes: Int
    /// Maximum AppendEntries messages in flight to one follower (pipelining window).
    public var maxInflightMessages: Int
    /// Maximum entry bytes in flight to one follower.
    public var maxInflightBytes: Int
    /// Maximum bytes of proposed but uncommitted entries at the leader; proposals
    /// beyond it are refused with `ProposalError.overloaded`.
    public var maxUncommittedBytes: Int
    /// Maximum bytes of snapshot data in one InstallSnapshot chunk.
    public var snapshotChunkBytes: Int

    /// Creates a configuration with production defaults for a local network
    /// (with a 100 ms tick: heartbeats every 100 ms, elections after 1–2 s).
    public init(
        id: NodeID, electionTicks: Int = 10, heartbeatTicks: Int = 1, preVote: Bool = true,
        checkQuorum: Bool = true, maxMessageBytes: Int = 1 << 20, maxInflightMessages: Int = 256,
        maxInflightBytes: Int = 64 << 20, maxUncommittedBytes: Int = 256 << 20,
        snapshotChunkBytes: Int = 1 << 20, maxEntryBytes: Int = 64 << 20
    ) {
        self.maxEntryBytes = maxEntryBytes
        self.id = id
        self.electionTicks = electionTicks
        self.heartbeatTicks = heartbeatTicks
        self.preVote = preVote
        self.checkQuorum = checkQuorum
        self.maxMessageBytes = maxMessageBytes
        self.maxInflightMessages = maxInflightMessages
        self.maxInflightBytes = maxInflightBytes
        self.maxUncommittedBytes = maxUncommittedBytes
        self.snapshotChunkBytes = snapshotChunkBytes
    }
}
