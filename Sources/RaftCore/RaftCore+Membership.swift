// MARK: - Membership changes, one server at a time (thesis §4.1)

extension RaftCore {
    /// The membership changed (an entry was appended). On a leader: start replicating
    /// to new members and recount the quorum. A removed member keeps its progress (and
    /// keeps receiving the log, without counting) until the removal commits, so it
    /// learns that it was removed and stops campaigning (see `pruneRemovedProgress`).
    /// NB: a removed leader likewise keeps replicating until the removal commits, but
    /// no longer counts itself (`maybeCommit` iterates voters only).
    mutating func membershipDidChange() {
        guard currentRole == .leader else { return }
        let members = membership.members
        for member in members.sorted() where progress.slot(of: member) == nil {
            progress.insert(member, newProgress())
        }
        tracksRemovedMembers = progress.ids.contains { $0 != config.id && !members.contains($0) }
        if let target = leadTransferee, !membership.voters.contains(target) { abortTransfer() }
        _ = maybeCommit()
        releaseConfirmedReads()
    }

    /// Once the latest membership entry is committed, stops tracking members it
    /// removed, after a last heartbeat that tells them the commit index (so a removed
    /// voter sees its removal committed and never campaigns again).
    /// NB: called from `takeReady` only, never while a progress slot is in use.
    mutating func pruneRemovedProgress() {
        guard tracksRemovedMembers, membershipLog.latestIndex <= committed else { return }
        tracksRemovedMembers = false
        let members = membership.members
        for id in progress.ids where id != config.id && !members.contains(id) {
            if let s = progress.slot(of: id) {
                // Last words to a removed member, which hears nothing more: the commit of
                // its removal, by an append when it may not have acknowledged it yet (a
                // heartbeat can only tell what it is known to match), so it stops counting
                // itself a voter and does not campaign.
                if progress.items[s].match < committed, !progress.items[s].isPaused {
                    _ = sendAppend(slot: s, sendIfEmpty: true)
                }
                let commit = min(progress.items[s].match, committed)
                send(to: id, .heartbeat(commit: commit, context: 0))
            }
            progress.remove(id)
        }
    }
}
