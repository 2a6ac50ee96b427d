/// A pure Raft node: election with pre-vote and check-quorum, pipelined replication
/// with flow control, snapshots, one-at-a-time membership change, leader transfer and
/// ReadIndex. It never reads a clock, a file, a socket or the system RNG: time comes
/// in as `tick()`, randomness from `seed`, and everything it wants done goes out
/// through `Ready` (see `Ready` for the order the shell MUST follow).
///
/// The core keeps the entries after its latest snapshot in memory; the shell's log
/// store is their durable mirror. The shell compacts both with `compact(to:)`.
public struct RaftCore: Sendable {
    // TODO(#3): implementation. The public API below is the contract.

    /// Restores a node from its durable state.
    /// - Parameters:
    ///   - config: this node's tunables.
    ///   - state: what the log store recovered (empty for a new node).
    ///   - seed: seeds the election-jitter PRNG; production uses a random seed,
    ///     simulations the test seed.
    public init(config: RaftConfig, restoring state: RestoredState, seed: UInt64) {
        preconditionFailure("TODO(#3)")
    }

    /// Advances logical time by one tick (election and heartbeat timers).
    public mutating func tick() { preconditionFailure("TODO(#3)") }

    /// Feeds one message from a peer. Messages from non-members or stale terms are
    /// ignored as Raft says; nothing a peer sends can break an invariant.
    public mutating func step(_ message: PeerMessage) { preconditionFailure("TODO(#3)") }

    /// Proposes an application command.
    /// - Returns: the term and index the entry will have if it commits.
    /// - Throws: `ProposalError` when this node cannot accept it now.
    public mutating func propose(_ command: [UInt8]) throws(ProposalError) -> (term: Term, index: LogIndex) {
        preconditionFailure("TODO(#3)")
    }

    /// Proposes a membership change (one at a time).
    public mutating func proposeMembershipChange(_ change: MembershipChange) throws(ProposalError) -> (term: Term, index: LogIndex) {
        preconditionFailure("TODO(#3)")
    }

    /// Starts a leadership transfer to `target`: the leader stops accepting proposals,
    /// brings the target up to date and sends it TimeoutNow. Aborted after an election timeout.
    public mutating func transferLeadership(to target: NodeID) throws(TransferError) {
        preconditionFailure("TODO(#3)")
    }

    /// Asks for a linearizable read tagged `context`; the answer comes as a `ReadState`
    /// in a later Ready (at a follower, after a round trip to the leader).
    public mutating func readIndex(context: UInt64) throws(ReadIndexError) {
        preconditionFailure("TODO(#3)")
    }

    /// Starts an election now (tests and operators), as if the election timer fired.
    public mutating func campaign() { preconditionFailure("TODO(#3)") }

    /// Takes what the shell must do next, or nil when there is nothing.
    public mutating func takeReady() -> Ready? { preconditionFailure("TODO(#3)") }

    /// Tells the core the shell did everything `ready` asked (see `Ready`).
    public mutating func advance(_ ready: Ready) { preconditionFailure("TODO(#3)") }

    /// Replaces the log prefix up to `snapshot.metadata.index` (which MUST be applied)
    /// with `snapshot`; the shell compacts its log store the same way.
    public mutating func compact(to snapshot: Snapshot) { preconditionFailure("TODO(#3)") }

    /// Reports that a peer is unreachable (transport failure): the leader sends it
    /// probes rather than a pipelined stream.
    public mutating func reportUnreachable(_ peer: NodeID) { preconditionFailure("TODO(#3)") }

    // MARK: - Observation (for the shell's status and for the simulation's checks)

    /// This node.
    public var id: NodeID { preconditionFailure("TODO(#3)") }
    /// Current role.
    public var role: Role { preconditionFailure("TODO(#3)") }
    /// Current term.
    public var term: Term { preconditionFailure("TODO(#3)") }
    /// The leader this node knows of.
    public var leader: NodeID? { preconditionFailure("TODO(#3)") }
    /// Highest index known committed.
    public var commitIndex: LogIndex { preconditionFailure("TODO(#3)") }
    /// Highest index handed out for applying (in a Ready that was advanced).
    public var appliedIndex: LogIndex { preconditionFailure("TODO(#3)") }
    /// Index of the last entry in the log (stable or not).
    public var lastIndex: LogIndex { preconditionFailure("TODO(#3)") }
    /// The membership in force (the latest appended membership entry).
    public var membership: Membership { preconditionFailure("TODO(#3)") }
    /// The term of the entry at `index`, or nil if compacted away or beyond the log.
    public func term(at index: LogIndex) -> Term? { preconditionFailure("TODO(#3)") }
    /// Entries in `range` still held by the core (not compacted).
    public func entries(in range: ClosedRange<LogIndex>) -> [Entry] { preconditionFailure("TODO(#3)") }
}
