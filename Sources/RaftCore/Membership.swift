/// Who takes part in the cluster. Voters elect leaders and count toward commit;
/// learners receive the log but never vote and never count.
///
/// Invariant: `voters` and `learners` are disjoint.
public struct Membership: Hashable, Sendable {
    /// Members whose acknowledgement counts toward a quorum.
    public var voters: Set<NodeID>
    /// Members that replicate the log without voting.
    public var learners: Set<NodeID>

    /// Creates a membership.
    public init(voters: Set<NodeID>, learners: Set<NodeID> = []) {
        precondition(voters.isDisjoint(with: learners), "a node cannot be both voter and learner")
        self.voters = voters
        self.learners = learners
    }

    /// Every member, voting or not.
    public var members: Set<NodeID> { voters.union(learners) }
}

/// One change of membership. Herald changes one server at a time (Raft thesis §4.1):
/// a leader has at most one uncommitted change in its log, and proposes one only after
/// it has committed an entry of its own term.
public enum MembershipChange: Hashable, Sendable {
    /// Add a new voter (prefer adding a learner and promoting it once caught up).
    case addVoter(NodeID)
    /// Add a non-voting member.
    case addLearner(NodeID)
    /// Turn a caught-up learner into a voter.
    case promoteLearner(NodeID)
    /// Remove a voter or a learner. A removed leader steps down once the change commits.
    case remove(NodeID)
}
