/// The state a node MUST persist before it answers any message (Raft Figure 2).
public struct HardState: Hashable, Sendable {
    /// The latest term this node has seen.
    public var term: Term
    /// Whom this node voted for in `term`, if anyone.
    public var vote: NodeID?
    /// The highest index known committed. Persisting it is an optimisation for restart.
    public var commit: LogIndex

    /// Creates a hard state.
    public init(term: Term = .zero, vote: NodeID? = nil, commit: LogIndex = .zero) {
        self.term = term
        self.vote = vote
        self.commit = commit
    }
}
