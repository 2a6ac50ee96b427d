import RaftCore

// MARK: - Liveness after healing, and the end-of-run checks

extension Simulation {
    /// Heals every fault (no partition, no loss or duplication, every node that is
    /// still a member restarted) and demands progress: within
    /// `options.livenessBoundTicks` a leader is elected, a fresh proposal commits at
    /// it, and every running member applies it. Then checks that every acknowledged
    /// proposal is in the final log and that all logs match.
    /// - Throws: `SimulationFailure` with reason `.liveness` when the cluster does not
    ///   recover in time, or `.invariant` when a check fails.
    public mutating func checkLiveness() throws(SimulationFailure) {
        do {
            try healAndAwaitProgress()
            try checkFinalState()
        } catch {
            throw failure(error)
        }
    }

    mutating func healAndAwaitProgress() throws(SimulationFailure.Reason) {
        faultsEnabled = false
        healPartition()
        network.conditions.dropProbability = 0
        network.conditions.duplicateProbability = 0
        record(.note("faults healed: network connected, loss off, every member restarting"))
        for position in nodes.indices where !nodes[position].isUp && !nodes[position].isRetired {
            try restart(position)
        }
        let deadline = now + options.livenessBoundTicks
        var probe: (leader: NodeID, index: LogIndex, term: Term, command: UInt64)?
        while now < deadline {
            try stepUnchecked()
            if let current = probe, nodes[slot(of: current.leader)].core?.term != current.term {
                probe = nil   // leadership moved on before the probe committed: propose again
            }
            if probe == nil, let leader {
                let command = nextCommand
                nextCommand += 1
                let position = slot(of: leader)
                do throws(ProposalError) {
                    if let (term, index) = try nodes[position].core?.propose(Self.encode(command: command)) {
                        nodes[position].pendingProposals[index] = SimulatedNode.PendingProposal(command: command, term: term)
                        probe = (leader, index, term, command)
                        record(.proposed(leader, command: command, index: index, term: term))
                    }
                } catch {
                    record(.proposalRefused(leader, command: command, error))
                }
                try handleReadies(position)
            }
            if let probe, everyMemberApplied(through: probe.index, leader: probe.leader, term: probe.term) {
                record(.note("live: \(probe.leader) leads \(probe.term); probe \(probe.index) applied everywhere"))
                return
            }
        }
        let status = nodes.filter { !$0.isRetired }.map { node in
            guard let core = node.core else { return "\(node.id) down" }
            return "\(node.id) \(core.role.rawValue) \(core.term) commit \(core.commitIndex) applied \(node.stateMachine.appliedIndex) last \(core.lastIndex)"
        }.joined(separator: "; ")
        let probeText = probe.map { "probe at \($0.index)/\($0.term) via \($0.leader)" } ?? "no leader accepted a probe"
        throw .liveness("no progress within \(options.livenessBoundTicks) ticks after healing (\(probeText)): \(status)")
    }

    /// Whether `leader` still leads `term` and every running member of its membership
    /// has applied through `index`.
    func everyMemberApplied(through index: LogIndex, leader: NodeID, term: Term) -> Bool {
        guard let core = nodes[slot(of: leader)].core, core.role == .leader, core.term == term else { return false }
        for member in core.membership.members.sorted() {
            let position = slot(of: member)
            guard position < nodes.count, !nodes[position].isRetired else { continue }
            guard nodes[position].isUp, nodes[position].stateMachine.appliedIndex >= index else { return false }
        }
        return true
    }

    /// End-of-run checks: acknowledged proposals are in the final leader's committed
    /// log, and the logs of all running nodes match pairwise.
    mutating func checkFinalState() throws(SimulationFailure.Reason) {
        var logs: [NodeID: NodeLog] = [:]
        for node in nodes where node.isUp {
            logs[node.id] = node.log
        }
        do {
            try InvariantChecker.checkLogMatching(logs)
            if let leader, let log = logs[leader], let core = nodes[slot(of: leader)].core {
                try checker.checkAcknowledged(finalLog: log, commitIndex: core.commitIndex)
            }
        } catch {
            throw .invariant(error)
        }
    }
}
