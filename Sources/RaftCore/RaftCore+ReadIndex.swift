// MARK: - Linearizable reads with ReadIndex (thesis §6.4)

extension RaftCore {
    mutating func requestReadIndex(context: UInt64) throws(ReadIndexError) {
        if currentRole == .leader {
            // Until an entry of its term commits, the leader may not know the latest
            // commit index (§6.4 step 1).
            guard raftLog.term(at: committed) == currentTerm else { throw .leaderNotReady }
            registerRead(context: context, requester: config.id)
        } else {
            guard let leader = currentLeader else { throw .noLeader }
            send(to: leader, .readIndex(context: context))
        }
    }

    /// A follower forwarded a read to us.
    mutating func handleForwardedReadIndex(_ m: PeerMessage, context: UInt64) {
        guard currentRole == .leader else { return }
        guard raftLog.term(at: committed) == currentTerm else {
            // NB: bounded; beyond it the follower's caller times out and retries.
            if pendingForwardedReads.count < 4096 { pendingForwardedReads.append(m) }
            return
        }
        registerRead(context: context, requester: m.from)
    }

    mutating func answerPendingForwardedReads() {
        let waiting = pendingForwardedReads
        pendingForwardedReads.removeAll()
        for m in waiting {
            if case .readIndex(let context) = m.body { registerRead(context: context, requester: m.from) }
        }
    }

    /// Records the commit index for the read and confirms leadership with a heartbeat
    /// round (§6.4 steps 2–3). A single-voter cluster is its own quorum.
    mutating func registerRead(context: UInt64, requester: NodeID) {
        if membership.voters == [config.id] {
            deliverRead(ReadState(index: committed, context: context), to: requester)
            return
        }
        _ = readOnly.add(index: committed, context: context, requester: requester, selfID: config.id)
        // NB: the heartbeat goes out from takeReady, so a burst of reads shares one round.
        readRoundPending = true
    }

    /// Sends the heartbeat round confirming the reads registered since the last Ready.
    mutating func flushReadRound() {
        guard readRoundPending, let round = readOnly.latestRound else { return }
        readRoundPending = false
        broadcastHeartbeat(context: round)
    }

    mutating func acknowledgeReadRound(_ round: UInt64, from: NodeID) {
        readOnly.ack(round: round, from: from)
        releaseConfirmedReads()
    }

    mutating func releaseConfirmedReads() {
        let voters = membership.voters
        let quorum = QuorumCommit.majority(voters.count)
        let released = readOnly.release { acks in
            var n = 0
            for id in acks where voters.contains(id) { n += 1 }
            return n >= quorum
        }
        for request in released {
            deliverRead(ReadState(index: request.index, context: request.context), to: request.requester)
        }
    }

    mutating func deliverRead(_ state: ReadState, to requester: NodeID) {
        if requester == config.id {
            pendingReadStates.append(state)
        } else {
            send(to: requester, .readIndexResponse(context: state.context, index: state.index))
        }
    }
}
