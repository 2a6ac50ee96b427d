public import RaftCore

/// A Raft safety property that an observed run broke. Each case names the property
/// (Raft Figure 3 plus the simulation's client-facing guarantees) and carries the
/// evidence.
public enum InvariantViolation: Error, Hashable, Sendable, CustomStringConvertible {
    /// Election safety (§5.2): two different leaders were seen in the same term.
    case electionSafety(term: Term, leaders: [NodeID])
    /// A node granted its vote to two candidates in one term (Figure 2: `votedFor`
    /// MUST be durable), typically because a vote did not survive a crash.
    case doubleVote(voter: NodeID, term: Term, candidates: [NodeID])
    /// Log matching (§5.3): two logs hold an entry with the same index and term but
    /// differ at or before it.
    case logMatching(index: LogIndex, term: Term, detail: String)
    /// Leader completeness (§5.4): a leader was elected without an entry that was
    /// already committed.
    case leaderCompleteness(leader: NodeID, term: Term, index: LogIndex, detail: String)
    /// State-machine safety (§5.4.3): a node applied something other than the one
    /// committed history at some index (or applied out of order).
    case stateMachineSafety(node: NodeID, index: LogIndex, detail: String)
    /// A node's commit index went backwards, within one lifetime or across a restart
    /// (below what it had persisted).
    case commitIndexDecreased(node: NodeID, from: LogIndex, to: LogIndex)
    /// A proposal the cluster acknowledged to its client is not in the committed
    /// history at the index it was acknowledged at.
    case acknowledgedProposalLost(index: LogIndex, term: Term, detail: String)
    /// The core asked its shell for something no shell can do (e.g. persist entries
    /// that leave a gap in the log).
    case shellContract(node: NodeID, detail: String)

    /// The short name of the broken property.
    public var property: String {
        switch self {
        case .electionSafety: "election safety"
        case .doubleVote: "one vote per term"
        case .logMatching: "log matching"
        case .leaderCompleteness: "leader completeness"
        case .stateMachineSafety: "state-machine safety"
        case .commitIndexDecreased: "commit index monotonic"
        case .acknowledgedProposalLost: "no acknowledged proposal lost"
        case .shellContract: "Ready contract"
        }
    }

    public var description: String {
        switch self {
        case let .electionSafety(term, leaders):
            "\(property): leaders \(leaders.map(\.description).joined(separator: ", ")) in \(term)"
        case let .doubleVote(voter, term, candidates):
            "\(property): \(voter) voted for \(candidates.map(\.description).joined(separator: " and ")) in \(term)"
        case let .logMatching(index, term, detail):
            "\(property): at \(index)/\(term): \(detail)"
        case let .leaderCompleteness(leader, term, index, detail):
            "\(property): \(leader) leads \(term) without committed \(index): \(detail)"
        case let .stateMachineSafety(node, index, detail):
            "\(property): \(node) at \(index): \(detail)"
        case let .commitIndexDecreased(node, from, to):
            "\(property): \(node) commit went from \(from) to \(to)"
        case let .acknowledgedProposalLost(index, term, detail):
            "\(property): acknowledged \(index)/\(term): \(detail)"
        case let .shellContract(node, detail):
            "\(property): \(node): \(detail)"
        }
    }
}
