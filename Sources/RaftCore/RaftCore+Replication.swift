// MARK: - Log replication and commit (Raft §5.3, §5.4.2) with etcd-style flow control

extension RaftCore {
    // MARK: Proposals (leader)

    mutating func checkCanPropose(bytes: Int) throws(ProposalError) {
        guard currentRole == .leader else { throw .notLeader(hint: currentLeader) }
        guard leadTransferee == nil else { throw .transferInProgress }
        guard bytes <= config.maxEntryBytes else { throw .tooLarge(bytes: bytes, limit: config.maxEntryBytes) }
        // NB: one entry is always admitted when nothing is pending, so an entry that fits
        // a message but not the budget cannot wedge the leader.
        guard uncommittedBytes == 0 || uncommittedBytes + bytes <= config.maxUncommittedBytes else {
            throw .overloaded(uncommittedBytes: uncommittedBytes, limit: config.maxUncommittedBytes)
        }
    }

    /// Appends an entry of the current term to the leader's log. It goes to followers
    /// with the next `takeReady()` (so proposals between two Readies are batched) and
    /// counts toward commit on this node once its Ready is advanced.
    mutating func appendAsLeader(kind: Entry.Kind, data: [UInt8]) -> (term: Term, index: LogIndex) {
        let entry = Entry(term: currentTerm, index: raftLog.lastIndex.advanced(by: 1), kind: kind, data: data)
        raftLog.append(entry)
        uncommittedBytes += data.count
        if membershipLog.appended(entry) { membershipDidChange() }
        return (entry.term, entry.index)
    }

    // MARK: Sending (leader)

    /// Sends what each follower can take now: pipelined entries up to its flow-control
    /// window. Each append carries the commit index.
    ///
    /// NB: a commit index that moved with no new entry to carry it is not announced at
    /// once: the next heartbeat, or `announceCommit()` on the next tick, tells the
    /// followers. An immediate empty append per commit cost every entry a second round
    /// trip to each follower at low rates (measured: a fifth of all CPU at 1,000
    /// entries/s), for followers that only apply and deliver earlier by under a tick.
    mutating func flushAppends() {
        for s in progress.ids.indices where progress.ids[s] != config.id {
            sendAppends(slot: s)
        }
    }

    /// Sends an empty append to each follower that has not been told the latest commit
    /// index (by an append or a heartbeat) and can take a message.
    mutating func announceCommit() {
        for s in progress.ids.indices where progress.ids[s] != config.id {
            if progress.items[s].sentCommit < committed, !progress.items[s].isPaused {
                _ = sendAppend(slot: s, sendIfEmpty: true)
            }
        }
    }

    /// Sends AppendEntries to one follower until its window is full or it has everything.
    mutating func sendAppends(slot s: Int) {
        while sendAppend(slot: s, sendIfEmpty: false) {}
    }

    /// Sends one AppendEntries (or starts a snapshot if the entries are compacted).
    /// - Returns: whether entries were sent and more could follow.
    mutating func sendAppend(slot s: Int, sendIfEmpty: Bool) -> Bool {
        guard !progress.items[s].isPaused else { return false }
        let peer = progress.ids[s]
        let limit = raftLog.lastIndex.advanced(by: 1)
        if progress.items[s].next > limit { progress.items[s].next = limit }
        let next = progress.items[s].next
        let prevIndex = LogIndex(next.rawValue - 1)
        guard let prevTerm = raftLog.term(at: prevIndex) else {
            // §7: the entries it needs are compacted; send the snapshot instead.
            sendSnapshot(slot: s)
            return false
        }
        let entries = raftLog.slice(from: next, maxBytes: config.maxMessageBytes)
        if entries.isEmpty && !sendIfEmpty { return false }
        var bytes = 0
        for entry in entries { bytes += entry.data.count }
        send(to: peer, .append(prevLogIndex: prevIndex, prevLogTerm: prevTerm, entries: entries,
                               leaderCommit: committed))
        progress.items[s].sentCommit = committed
        switch progress.items[s].state {
        case .replicate:
            if let last = entries.last {
                // Optimistically assume it will match (pipelining); a rejection sends us back to probe.
                progress.items[s].next = last.index.advanced(by: 1)
                progress.items[s].inflights.add(last.index, bytes: bytes)
            }
        case .probe:
            progress.items[s].probeSent = true
        case .snapshot:
            preconditionFailure("append sent while a snapshot is in flight")
        }
        return !entries.isEmpty
    }

    mutating func broadcastHeartbeat(context: UInt64) {
        for s in progress.ids.indices where progress.ids[s] != config.id {
            // Only what the follower is known to match may be committed there.
            let commit = min(progress.items[s].match, committed)
            send(to: progress.ids[s], .heartbeat(commit: commit, context: context))
            progress.items[s].sentCommit = max(progress.items[s].sentCommit, commit)
        }
    }

    // MARK: Answers (leader)

    mutating func handleAppendResponse(from: NodeID, success: Bool, matchIndex: LogIndex, rejectHint: LogIndex,
                                       rejectHintTerm: Term) {
        guard from != config.id, let s = progress.slot(of: from) else { return }
        progress.items[s].recentActive = true
        guard success else {
            // Fast backtracking: skip every entry of a term the follower cannot match.
            var hint = min(rejectHint, raftLog.lastIndex)
            if rejectHintTerm > .zero { hint = raftLog.findConflictByTerm(hint, rejectHintTerm).index }
            if progress.items[s].maybeDecrTo(rejected: matchIndex, matchHint: hint) { sendAppends(slot: s) }
            return
        }
        guard matchIndex <= raftLog.lastIndex else { return } // nonsense from a peer
        if progress.items[s].maybeUpdate(matchIndex) {
            progress.items[s].stalledHeartbeats = 0
            switch progress.items[s].state {
            case .probe:
                progress.items[s].becomeReplicate()
            case .snapshot:
                if progress.items[s].match >= raftLog.compactedIndex { progress.items[s].becomeReplicate() }
            case .replicate:
                progress.items[s].inflights.freeLE(matchIndex)
            }
            _ = maybeCommit()
            if from == leadTransferee, progress.items[s].match == raftLog.lastIndex {
                send(to: from, .timeoutNow)
            }
        }
        sendAppends(slot: s)
        checkRemovedLeaderStepDown()
    }

    mutating func handleHeartbeatResponse(from: NodeID, context: UInt64) {
        guard from != config.id, let s = progress.slot(of: from) else { return }
        progress.items[s].recentActive = true
        progress.items[s].probeSent = false
        unstickStream(slot: s)
        // NB: sent even when empty: a probing follower (a new learner, one that just
        // rejected) gets its probe here when no new entry would carry one.
        if progress.items[s].match < raftLog.lastIndex, sendAppend(slot: s, sendIfEmpty: true) { sendAppends(slot: s) }
        if context != 0 { acknowledgeReadRound(context, from: from) }
    }

    /// Called on each heartbeat answer: a follower that answers heartbeats but has not
    /// acknowledged anything for `stallLimit` of them while messages were in flight has
    /// lost some; restart its stream from the last known match (or resend the chunk).
    /// NB: without this, a lost tail of a pipelined stream would wait for the next proposal.
    mutating func unstickStream(slot s: Int) {
        let stalled: Bool
        switch progress.items[s].state {
        case .replicate:
            stalled = progress.items[s].inflights.count > 0 && progress.items[s].match < raftLog.lastIndex
        case .snapshot:
            stalled = true
        case .probe:
            stalled = false
        }
        guard stalled else {
            progress.items[s].stalledHeartbeats = 0
            return
        }
        progress.items[s].stalledHeartbeats += 1
        guard progress.items[s].stalledHeartbeats >= Self.stallLimit else { return }
        progress.items[s].stalledHeartbeats = 0
        if progress.items[s].state == .snapshot {
            sendSnapshotChunk(slot: s)
        } else {
            progress.items[s].becomeProbe()
        }
    }

    /// Heartbeat answers without progress before a stream counts as stalled.
    static let stallLimit = 3

    // MARK: Commit (leader)

    /// Advances the commit index to what a majority of voters stores, but only to an
    /// entry of the current term (§5.4.2, Figure 8): older entries commit indirectly.
    /// The leader counts its own log only up to its durable `stableIndex`.
    /// - Returns: whether the commit index advanced.
    mutating func maybeCommit() -> Bool {
        var matches: [LogIndex] = []
        matches.reserveCapacity(membership.voters.count)
        for voter in membership.voters {
            if let s = progress.slot(of: voter) { matches.append(progress.items[s].match) } else { matches.append(.zero) }
        }
        let index = QuorumCommit.committedIndex(matches)
        guard index > committed, raftLog.term(at: index) == currentTerm else { return false }
        let firstInTerm = raftLog.term(at: committed) != currentTerm
        var freed = 0
        var i = committed.advanced(by: 1)
        while i <= index {
            let entry = raftLog.entry(at: i)
            if entry.term == currentTerm { freed += entry.data.count }
            i = i.advanced(by: 1)
        }
        committed = index
        uncommittedBytes = max(0, uncommittedBytes - freed)
        if firstInTerm { answerPendingForwardedReads() }
        return true
    }

    /// A leader that is no longer a voter steps down once its removal committed
    /// (thesis §4.2.2); it hands over to an up-to-date voter to shorten the gap.
    mutating func checkRemovedLeaderStepDown() {
        guard currentRole == .leader, !membership.voters.contains(config.id),
              membershipLog.latestIndex <= committed else { return }
        for voter in membership.voters.sorted() {
            if let s = progress.slot(of: voter), progress.items[s].match == raftLog.lastIndex {
                send(to: voter, .timeoutNow)
                break
            }
        }
        becomeFollower(term: currentTerm, leader: nil)
    }

    // MARK: Receiving (follower)

    mutating func handleAppend(_ m: PeerMessage, prevIndex: LogIndex, prevTerm: Term, entries: [Entry],
                               leaderCommit: LogIndex) {
        if prevIndex < committed {
            // Everything up to our commit index matches any leader's log (§5.4.3).
            send(to: m.from, .appendResponse(success: true, matchIndex: committed, rejectHint: .zero,
                                             rejectHintTerm: .zero))
            return
        }
        // Refuse malformed batches outright: indices must follow prevIndex, terms must
        // not decrease and cannot exceed the leader's term.
        guard prevIndex.rawValue < Self.absurd else { return }
        var expected = prevIndex.advanced(by: 1)
        var lastTerm = prevTerm
        for entry in entries {
            guard entry.index == expected, entry.term >= lastTerm, entry.term <= m.term else { return }
            expected = expected.advanced(by: 1)
            lastTerm = entry.term
        }
        guard raftLog.matchTerm(prevIndex, prevTerm) else {
            // §5.3 consistency check failed; hint where our log may match so the leader
            // can skip a whole divergent term per round trip.
            let hint = raftLog.findConflictByTerm(min(prevIndex, raftLog.lastIndex), prevTerm)
            send(to: m.from, .appendResponse(success: false, matchIndex: prevIndex, rejectHint: hint.index,
                                             rejectHintTerm: hint.term))
            return
        }
        let lastNew = LogIndex(prevIndex.rawValue + UInt64(entries.count))
        if let conflict = raftLog.firstConflict(in: entries) {
            // A correct leader never conflicts with a committed entry (Log Matching).
            guard conflict > committed else { return }
            let start = Int(conflict.rawValue - entries[0].index.rawValue)
            appendAsFollower(Array(entries[start...]))
        }
        commitTo(min(leaderCommit, lastNew))
        send(to: m.from, .appendResponse(success: true, matchIndex: lastNew, rejectHint: .zero, rejectHintTerm: .zero))
    }

    /// Appends entries from the leader, first dropping any conflicting suffix; the
    /// membership follows the log both ways (thesis §4.1).
    mutating func appendAsFollower(_ entries: [Entry]) {
        guard let first = entries.first else { return }
        if first.index <= raftLog.lastIndex {
            raftLog.truncate(from: first.index)
            _ = membershipLog.truncate(from: first.index)
        }
        raftLog.append(entries)
        for entry in entries where entry.kind == .membership {
            _ = membershipLog.appended(entry)
        }
    }

    mutating func commitTo(_ index: LogIndex) {
        let target = min(index, raftLog.lastIndex)
        if target > committed { committed = target }
    }

    mutating func handleHeartbeat(_ m: PeerMessage, commit: LogIndex, context: UInt64) {
        commitTo(commit)
        send(to: m.from, .heartbeatResponse(context: context))
    }
}
