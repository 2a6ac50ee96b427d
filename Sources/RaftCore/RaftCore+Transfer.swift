// MARK: - Leadership transfer (thesis §3.10)

extension RaftCore {
    mutating func startTransfer(to target: NodeID) {
        guard leadTransferee != target else { return }
        guard let s = progress.slot(of: target) else { return }
        leadTransferee = target
        transferElapsed = 0
        if progress.items[s].match == raftLog.lastIndex {
            send(to: target, .timeoutNow)
        } else {
            // Catch it up first; the TimeoutNow goes once it acknowledges our last entry.
            sendAppends(slot: s)
        }
    }

    mutating func abortTransfer() {
        leadTransferee = nil
        transferElapsed = 0
    }

    /// The leader asks us to campaign now, skipping pre-vote and leader stickiness.
    mutating func handleTimeoutNow(_ m: PeerMessage) {
        guard currentRole != .leader, isPromotable else { return }
        runElection(preVote: false, transfer: true)
    }
}
