public import RaftCore

// MARK: - Scripted control for scenario tests

extension Simulation {
    /// Builds a cluster whose nodes start from the given disks instead of empty ones
    /// (nodes without a disk here start empty).
    /// - Parameters:
    ///   - seed: the seed.
    ///   - options: cluster shape; use `FaultProfile.none` for a scripted scenario.
    ///   - disks: preloaded disks by node.
    public init(seed: UInt64, options: SimulationOptions, disks: [NodeID: SimulatedDisk]) {
        self.init(seed: seed, options: options)
        for position in nodes.indices {
            guard let disk = disks[nodes[position].id] else { continue }
            nodes[position].disk = disk
            buildCore(position)
        }
    }

    /// Makes `id` start an election now.
    public mutating func campaign(_ id: NodeID) throws(SimulationFailure) {
        nodes[slot(of: id)].core?.campaign()
        try script { (simulation) throws(SimulationFailure.Reason) in try simulation.handleReadies(simulation.slot(of: id)) }
    }

    /// Crashes `id`; it stays down until `restart(_:)`.
    public mutating func crash(_ id: NodeID) {
        guard nodes[slot(of: id)].isUp else { return }
        crash(slot(of: id), lostReady: false, downFor: 0)
        nodes[slot(of: id)].restartAt = nil
    }

    /// Restarts a crashed `id` from its disk.
    public mutating func restart(_ id: NodeID) throws(SimulationFailure) {
        try script { (simulation) throws(SimulationFailure.Reason) in try simulation.restart(simulation.slot(of: id)) }
    }

    /// Puts a partition in force until `heal()`.
    public mutating func partition(_ partition: NetworkPartition) {
        network.partition = partition
        partitionHealsAt = nil
        statistics.partitions += 1
        record(.partitioned(partition))
    }

    /// Ends the partition in force.
    public mutating func heal() { healPartition() }

    /// A client proposes `command` at `id`, which must think it leads.
    /// - Returns: where the entry will sit if it commits, or nil if `id` refused or is down.
    @discardableResult
    public mutating func propose(command: UInt64, at id: NodeID) throws(SimulationFailure) -> (term: Term, index: LogIndex)? {
        let position = slot(of: id)
        var accepted: (term: Term, index: LogIndex)?
        do throws(ProposalError) {
            if let (term, index) = try nodes[position].core?.propose(Self.encode(command: command)) {
                nodes[position].pendingProposals[index] = SimulatedNode.PendingProposal(command: command, term: term)
                statistics.proposed += 1
                record(.proposed(id, command: command, index: index, term: term))
                accepted = (term, index)
            }
        } catch {
            record(.proposalRefused(id, command: command, error))
        }
        try script { (simulation) throws(SimulationFailure.Reason) in try simulation.handleReadies(position) }
        return accepted
    }

    /// Proposes a membership change at `id`.
    /// - Returns: where the change sits, or nil if refused.
    @discardableResult
    public mutating func proposeMembershipChange(_ change: MembershipChange, at id: NodeID) throws(SimulationFailure) -> LogIndex? {
        let position = slot(of: id)
        var accepted: LogIndex?
        do throws(ProposalError) {
            if let (term, index) = try nodes[position].core?.proposeMembershipChange(change) {
                record(.membershipProposed(id, change, index: index))
                if case let .remove(removed) = change { pendingRemovals[index] = (term, removed) }
                accepted = index
            }
        } catch {
            record(.membershipRefused(id, change, error))
        }
        try script { (simulation) throws(SimulationFailure.Reason) in try simulation.handleReadies(position) }
        return accepted
    }

    /// Steps until `condition` holds, for at most `maxTicks` ticks.
    /// - Returns: whether the condition held in time.
    @discardableResult
    public mutating func run(upTo maxTicks: Int, until condition: (Simulation) -> Bool) throws(SimulationFailure) -> Bool {
        for _ in 0..<maxTicks {
            if condition(self) { return true }
            try step()
        }
        return condition(self)
    }

    /// Runs the end-of-run checks (log matching across running nodes, acknowledged
    /// proposals in the leader's log) without healing anything.
    public mutating func checkFinalInvariants() throws(SimulationFailure) {
        try script { (simulation) throws(SimulationFailure.Reason) in try simulation.checkFinalState() }
    }

    private mutating func script(_ body: (inout Simulation) throws(SimulationFailure.Reason) -> Void) throws(SimulationFailure) {
        do {
            try body(&self)
        } catch {
            throw failure(error)
        }
    }
}
