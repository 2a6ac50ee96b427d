// MARK: - Membership changes, one server at a time (thesis §4.1)

extension RaftCore {
    /// The membership changed (an entry was appended or a suffix dropped). On a leader:
    /// start replicating to new members, forget removed ones, and recount the quorum.
    /// NB: a removed leader keeps its own progress and keeps replicating until the
    /// removal commits, but no longer counts itself (`maybeCommit` iterates voters only).
    mutating func membershipDidChange() {
        guard currentRole == .leader else { return }
        let members = membership.members
        for member in members.sorted() where progress.slot(of: member) == nil {
            progress.insert(member, newProgress())
        }
        for id in progress.ids where id != config.id && !members.contains(id) {
            progress.remove(id)
        }
        if let target = leadTransferee, !membership.voters.contains(target) { abortTransfer() }
        _ = maybeCommit()
        releaseConfirmedReads()
    }
}
