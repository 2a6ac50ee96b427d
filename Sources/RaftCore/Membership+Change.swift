// MARK: - Applying and validating one-at-a-time changes (thesis §4.1)

extension Membership {
    /// A membership built from untrusted input (e.g. a wire decoder), which MUST NOT
    /// trap on garbage: nil when `voters` and `learners` overlap.
    /// - Parameters:
    ///   - voters: the voting members.
    ///   - learners: the non-voting members.
    /// - Returns: the membership, or nil when the sets are not disjoint.
    public static func validated(voters: Set<NodeID>, learners: Set<NodeID>) -> Membership? {
        guard voters.isDisjoint(with: learners) else { return nil }
        return Membership(voters: voters, learners: learners)
    }

    /// The membership after `change`. Total and deterministic: every node applies the
    /// same entries the same way, even a change that validation would have refused.
    /// - Parameter change: the change to apply.
    /// - Returns: the new membership.
    public func applying(_ change: MembershipChange) -> Membership {
        var voters = self.voters
        var learners = self.learners
        switch change {
        case .addVoter(let id), .promoteLearner(let id):
            learners.remove(id)
            voters.insert(id)
        case .addLearner(let id):
            if !voters.contains(id) { learners.insert(id) }
        case .remove(let id):
            voters.remove(id)
            learners.remove(id)
        }
        return Membership(voters: voters, learners: learners)
    }

    /// Why `change` makes no sense against this membership, or nil when it is valid.
    /// - Parameter change: the proposed change.
    /// - Returns: a human-readable reason, or nil.
    public func validate(_ change: MembershipChange) -> String? {
        let id = change.node
        if id.rawValue == 0 { return "node id 0 is reserved" }
        switch change {
        case .addVoter:
            if voters.contains(id) { return "\(id) is already a voter" }
            if learners.contains(id) { return "\(id) is a learner: promote it instead" }
        case .addLearner:
            if members.contains(id) { return "\(id) is already a member" }
        case .promoteLearner:
            if !learners.contains(id) { return "\(id) is not a learner" }
        case .remove:
            if !members.contains(id) { return "\(id) is not a member" }
            if voters == [id] { return "cannot remove the last voter" }
        }
        return nil
    }
}
