// MARK: - Terms, timers and elections (Raft §5.2, thesis §9.6 pre-vote, §6.2 check-quorum)

extension RaftCore {
    /// Whether this node may campaign: voters of the latest membership, and also voters
    /// of the last committed one while a change that removes them is uncommitted.
    /// NB: thesis §4.2.2: a server not in its latest configuration "should still start
    /// new elections, as it might still be needed until the Cnew entry is committed".
    /// Without this, a leader that lost quorum while removing itself can deadlock the
    /// remaining voters, which still need its vote. Learners never campaign.
    var isPromotable: Bool {
        let id = config.id
        if membership.voters.contains(id) { return true }
        return membershipLog.latestIndex > committed && membershipLog.membership(at: committed).voters.contains(id)
    }

    mutating func resetRandomizedElectionTimeout() {
        randomizedElectionTimeout = config.electionTicks + Int(prng.next(below: UInt64(config.electionTicks)))
    }

    /// Clears the per-term volatile state. The vote survives only within the same term.
    mutating func reset(term: Term) {
        if currentTerm != term {
            currentTerm = term
            votedFor = nil
        }
        currentLeader = nil
        electionElapsed = 0
        heartbeatElapsed = 0
        resetRandomizedElectionTimeout()
        votes.removeAll()
        progress.removeAll()
        leadTransferee = nil
        transferElapsed = 0
        uncommittedBytes = 0
        readOnly.clear()
        readRoundPending = false
        tracksRemovedMembers = false
        pendingForwardedReads.removeAll()
    }

    mutating func becomeFollower(term: Term, leader: NodeID?) {
        reset(term: term)
        currentRole = .follower
        currentLeader = leader
    }

    /// Pre-vote (thesis §9.6): ask whether we could win in `term + 1` without touching
    /// our own term or vote, so a node that was partitioned away cannot bump everyone's
    /// term when it comes back.
    mutating func becomePreCandidate() {
        precondition(currentRole != .leader, "leader -> pre-candidate is not a transition")
        currentRole = .preCandidate
        currentLeader = nil
        votes.removeAll()
        electionElapsed = 0
        resetRandomizedElectionTimeout()
    }

    mutating func becomeCandidate() {
        precondition(currentRole != .leader, "leader -> candidate is not a transition")
        reset(term: Term(currentTerm.rawValue + 1))
        votedFor = config.id
        currentRole = .candidate
    }

    mutating func becomeLeader() {
        precondition(currentRole == .candidate, "only a candidate becomes leader")
        reset(term: currentTerm)
        currentRole = .leader
        currentLeader = config.id
        for member in membership.members.union([config.id]).sorted() {
            progress.insert(member, newProgress())
        }
        if let s = progress.slot(of: config.id) {
            _ = progress.items[s].maybeUpdate(raftLog.stableIndex)
            progress.items[s].recentActive = true
        }
        // §5.4.2 / §8: a no-op of the new term lets earlier entries commit, and marks
        // when ReadIndex and membership changes become safe.
        _ = appendAsLeader(kind: .noop, data: [])
    }

    func newProgress() -> Progress {
        Progress(next: raftLog.lastIndex.advanced(by: 1), maxInflightMessages: config.maxInflightMessages,
                 maxInflightBytes: config.maxInflightBytes)
    }

    /// Starts a pre-vote round (when enabled) or an election.
    mutating func startCampaign(transfer: Bool) {
        runElection(preVote: config.preVote && !transfer, transfer: transfer)
    }

    mutating func runElection(preVote: Bool, transfer: Bool) {
        guard isPromotable, currentRole != .leader else { return }
        if preVote { becomePreCandidate() } else { becomeCandidate() }
        let voteTerm = preVote ? Term(currentTerm.rawValue + 1) : currentTerm
        votes[config.id] = true
        if preVote, poll() == .won {
            runElection(preVote: false, transfer: false)
            return
        }
        // A candidate that already has a quorum (a single voter) still waits for its
        // term and vote to be durable: see `maybeWinElection`.
        if !preVote, poll() == .won {
            maybeWinElection()
            return
        }
        let lastIndex = raftLog.lastIndex, lastTerm = raftLog.lastTerm
        // NB: sorted, because Set order differs between processes and runs must replay.
        for voter in membership.voters.sorted() where voter != config.id {
            let body: PeerMessage.Body = preVote
                ? .preVote(lastLogIndex: lastIndex, lastLogTerm: lastTerm)
                : .requestVote(lastLogIndex: lastIndex, lastLogTerm: lastTerm, leadershipTransfer: transfer)
            send(to: voter, term: voteTerm, body)
        }
    }

    enum PollResult: Equatable { case won, lost, pending }

    func poll() -> PollResult {
        let voters = membership.voters
        let quorum = QuorumCommit.majority(voters.count)
        var granted = 0, rejected = 0
        for (voter, vote) in votes where voters.contains(voter) {
            if vote { granted += 1 } else { rejected += 1 }
        }
        if granted >= quorum { return .won }
        if voters.count - rejected < quorum { return .lost }
        return .pending
    }

    /// A candidate with a quorum of votes becomes leader only once the Ready carrying
    /// its term and self-vote was advanced (is durable). Otherwise a crash before the
    /// write could let it restart in the old term, win the same term again with the
    /// same voters, and append different entries under an (index, term) it already
    /// sent to followers, breaking Log Matching (§5.3). etcd counts the self-vote only
    /// after the local write for the same reason. `advance(_:)` retries.
    mutating func maybeWinElection() {
        guard currentRole == .candidate, poll() == .won else { return }
        guard persistedHardState.term == currentTerm, persistedHardState.vote == config.id else { return }
        becomeLeader()
    }

    mutating func handleVoteResponse(from: NodeID, granted: Bool) {
        guard membership.voters.contains(from), votes[from] == nil else { return }
        votes[from] = granted
        switch poll() {
        case .won:
            if currentRole == .preCandidate { runElection(preVote: false, transfer: false) } else { maybeWinElection() }
        case .lost:
            becomeFollower(term: currentTerm, leader: nil)
        case .pending:
            break
        }
    }

    /// RequestVote and PreVote (Figure 2, §5.4.1). A grant of a real vote is persisted
    /// (hard state) before the answer leaves (`messagesAfterPersist`). A pre-vote grant
    /// changes nothing here.
    ///
    /// NB: a node votes even if it believes it is a learner: it may have been promoted
    /// by an entry it has not received yet, and refusing could stall the cluster (etcd
    /// does the same). Learners never campaign and their votes are not counted unless
    /// the candidate's membership says they are voters.
    mutating func handleVoteRequest(_ m: PeerMessage, preVote: Bool, lastIndex: LogIndex, lastTerm: Term) {
        let canVote = votedFor == m.from
            || (votedFor == nil && currentLeader == nil)
            || (preVote && m.term > currentTerm)
        if canVote && raftLog.isUpToDate(lastIndex: lastIndex, lastTerm: lastTerm) {
            // Grants carry the asked term so the (pre)candidate counts them.
            send(to: m.from, term: m.term, preVote ? .preVoteResponse(granted: true) : .requestVoteResponse(granted: true))
            if !preVote {
                electionElapsed = 0
                votedFor = m.from
            }
        } else {
            send(to: m.from, preVote ? .preVoteResponse(granted: false) : .requestVoteResponse(granted: false))
        }
    }

    /// The term rules every message goes through first (Figure 2 "Rules for all
    /// servers", plus leader stickiness and pre-vote).
    /// - Returns: whether the message should be handled further.
    mutating func stepTerm(_ m: PeerMessage) -> Bool {
        if m.term > currentTerm {
            switch m.body {
            case .preVote, .requestVote:
                var transfer = false
                if case .requestVote(_, _, let t) = m.body { transfer = t }
                // Check-quorum (thesis §4.2.3): while we hear a leader, a (pre)vote from a
                // node that may just be partitioned is ignored, unless the leader asked for it.
                let inLease = config.checkQuorum && currentLeader != nil && electionElapsed < config.electionTicks
                if inLease && !transfer { return false }
            default:
                break
            }
            switch m.body {
            case .preVote:
                return true // never changes our term (§9.6)
            case .preVoteResponse(granted: true):
                return true // the grant echoes the term we would campaign in
            case .append, .heartbeat, .installSnapshot, .timeoutNow:
                becomeFollower(term: m.term, leader: m.from)
            default:
                becomeFollower(term: m.term, leader: nil)
            }
            return true
        }
        if m.term < currentTerm {
            switch m.body {
            case .append, .heartbeat:
                // A stale leader (e.g. one just back from a partition). With pre-vote or
                // check-quorum our term may have grown without it hearing; tell it.
                if config.checkQuorum || config.preVote {
                    send(to: m.from, .appendResponse(success: false, matchIndex: .zero, rejectHint: .zero,
                                                      rejectHintTerm: .zero))
                }
            case .preVote:
                send(to: m.from, .preVoteResponse(granted: false))
            default:
                break
            }
            return false
        }
        return true
    }

    /// An AppendEntries, heartbeat or snapshot from the leader of our term.
    /// - Returns: false when this node is itself the leader (impossible in a correct
    ///   cluster: at most one leader per term, §5.2), so the message is dropped.
    mutating func acceptLeader(_ m: PeerMessage) -> Bool {
        switch currentRole {
        case .leader:
            return false
        case .candidate, .preCandidate:
            becomeFollower(term: currentTerm, leader: m.from)
        case .follower:
            break
        }
        currentLeader = m.from
        electionElapsed = 0
        return true
    }

    mutating func tickElection() {
        electionElapsed += 1
        if isPromotable && electionElapsed >= randomizedElectionTimeout {
            electionElapsed = 0
            startCampaign(transfer: false)
        }
    }

    mutating func tickLeader() {
        heartbeatElapsed += 1
        electionElapsed += 1
        if leadTransferee != nil {
            transferElapsed += 1
            if transferElapsed >= config.electionTicks { abortTransfer() }
        }
        if electionElapsed >= config.electionTicks {
            electionElapsed = 0
            if config.checkQuorum && !quorumActive() {
                // §6.2: a leader cut off from a quorum steps down, so clients go elsewhere.
                becomeFollower(term: currentTerm, leader: nil)
                return
            }
            for s in progress.ids.indices where progress.ids[s] != config.id {
                progress.items[s].recentActive = false
            }
        }
        if heartbeatElapsed >= config.heartbeatTicks {
            heartbeatElapsed = 0
            broadcastHeartbeat(context: readOnly.latestRound ?? 0)
        } else {
            announceCommit()
        }
    }

    /// Whether a quorum of voters (this node included, if a voter) was heard from in
    /// the last election timeout.
    func quorumActive() -> Bool {
        let voters = membership.voters
        var active = 0
        for voter in voters {
            if voter == config.id {
                active += 1
            } else if let s = progress.slot(of: voter), progress.items[s].recentActive {
                active += 1
            }
        }
        return active >= QuorumCommit.majority(voters.count)
    }
}
