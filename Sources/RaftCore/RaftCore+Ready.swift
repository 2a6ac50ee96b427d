// MARK: - The Ready / advance cycle

extension RaftCore {
    /// Takes what the shell must do next, or nil when there is nothing.
    ///
    /// Call `advance(_:)` with each Ready, in the order taken, before asking for the
    /// next one is the normal loop; the core tolerates `step`/`tick`/`propose` between
    /// `takeReady()` and `advance(_:)`.
    /// - Returns: the work to do, or nil.
    public mutating func takeReady() -> Ready? {
        // Entries proposed since the last Ready go out now, as batched, pipelined appends.
        if currentRole == .leader {
            flushAppends()
            flushReadRound()
            pruneRemovedProgress()
        }
        var ready = Ready()
        var any = false
        let soft = SoftState(role: currentRole, leader: currentLeader)
        if soft != reportedSoftState {
            ready.softState = soft
            reportedSoftState = soft
            any = true
        }
        let hard = HardState(term: currentTerm, vote: votedFor, commit: committed)
        if hard != reportedHardState {
            ready.hardState = hard
            reportedHardState = hard
            any = true
        }
        if let snapshot = unreportedSnapshot {
            ready.snapshot = snapshot
            unreportedSnapshot = nil
            any = true
        }
        ready.entries = raftLog.takeUnstable()
        if !outbox.isEmpty {
            ready.messages = outbox
            outbox = []
        }
        if !outboxAfterPersist.isEmpty {
            ready.messagesAfterPersist = outboxAfterPersist
            outboxAfterPersist = []
        }
        // Only committed entries this node holds durably are applied (see `Ready`).
        let applyLimit = min(committed, raftLog.stableIndex)
        if handedOutApplied < applyLimit {
            ready.committedEntries = raftLog.entries(in: handedOutApplied.advanced(by: 1)...applyLimit)
            handedOutApplied = applyLimit
        }
        if !pendingReadStates.isEmpty {
            ready.readStates = pendingReadStates
            pendingReadStates = []
        }
        any = any || !ready.entries.isEmpty || !ready.messages.isEmpty || !ready.messagesAfterPersist.isEmpty
            || !ready.committedEntries.isEmpty || !ready.readStates.isEmpty
        return any ? ready : nil
    }

    /// Tells the core the shell did everything `ready` asked (see `Ready`): its entries
    /// are durable and its committed entries applied. A leader now counts those entries
    /// of its own toward commit.
    /// - Parameter ready: a Ready from `takeReady()`, handled completely.
    public mutating func advance(_ ready: Ready) {
        if let hardState = ready.hardState {
            persistedHardState = hardState
            maybeWinElection()
        }
        if let last = ready.entries.last { raftLog.stableTo(last.index, term: last.term) }
        if let snapshot = ready.snapshot, snapshot.metadata.index > applied { applied = snapshot.metadata.index }
        if let last = ready.committedEntries.last, last.index > applied { applied = last.index }
        if currentRole == .leader, let s = progress.slot(of: config.id) {
            if progress.items[s].maybeUpdate(raftLog.stableIndex) {
                _ = maybeCommit()
                checkRemovedLeaderStepDown()
            }
        }
    }
}
