import RaftCore

// MARK: - Fault injection and client traffic

extension Simulation {
    /// Node ids that have not been retired, in order.
    var activeIDs: [NodeID] { nodes.filter { !$0.isRetired }.map(\.id) }

    mutating func injectFaults() throws(SimulationFailure.Reason) {
        let faults = options.faults
        if let healAt = partitionHealsAt, now >= healAt {
            healPartition()
        } else if partitionHealsAt == nil, random.chance(faults.partitionProbability) {
            startPartition()
        }
        if random.chance(faults.crashProbability) {
            let running = nodes.indices.filter { nodes[$0].isUp }
            if let victim = random.pick(running) {
                crash(victim, lostReady: false, downFor: random.int(in: faults.downTicks))
            }
        }
        if random.chance(faults.membershipChangeProbability) { try changeMembership() }
        if random.chance(faults.transferProbability) { transferLeadership() }
    }

    /// Cuts the network: symmetric, one-way or bridged, across a random split of the
    /// nodes still in the cluster.
    mutating func startPartition() {
        var ids = activeIDs
        guard ids.count >= 2 else { return }
        for index in stride(from: ids.count - 1, to: 0, by: -1) {
            ids.swapAt(index, random.below(index + 1))
        }
        let partition: NetworkPartition
        switch random.below(3) {
        case 0:
            let cut = random.int(in: 1...(ids.count - 1))
            partition = .symmetric(Set(ids[..<cut]), Set(ids[cut...]))
        case 1:
            let cut = random.int(in: 1...(ids.count - 1))
            partition = .oneWay(from: Set(ids[..<cut]), to: Set(ids[cut...]))
        default:
            guard ids.count >= 3 else { return startPartition() }
            let bridge = ids.removeLast()
            let cut = random.int(in: 1...(ids.count - 1))
            partition = .bridge(Set(ids[..<cut]), Set(ids[cut...]), bridge: bridge)
        }
        network.partition = partition
        partitionHealsAt = now + random.int(in: options.faults.partitionTicks)
        statistics.partitions += 1
        record(.partitioned(partition))
    }

    mutating func healPartition() {
        guard network.partition != nil else { return }
        network.partition = nil
        partitionHealsAt = nil
        record(.healed)
    }

    /// A client proposes a fresh command at the leader.
    mutating func proposeCommand() throws(SimulationFailure.Reason) {
        guard let leader else { return }
        let position = slot(of: leader)
        let command = nextCommand
        nextCommand += 1
        do throws(ProposalError) {
            guard let (term, index) = try nodes[position].core?.propose(Self.encode(command: command)) else { return }
            nodes[position].pendingProposals[index] = SimulatedNode.PendingProposal(command: command, term: term)
            statistics.proposed += 1
            record(.proposed(leader, command: command, index: index, term: term))
        } catch {
            record(.proposalRefused(leader, command: command, error))
        }
        try handleReadies(position)
    }

    /// One membership step, chosen to keep the voter count between the initial count
    /// and one more: promote a learner, remove a surplus voter (possibly the leader)
    /// or a learner, or add a brand-new learner.
    mutating func changeMembership() throws(SimulationFailure.Reason) {
        guard let leader, let membership = nodes[slot(of: leader)].core?.membership else { return }
        let learners = membership.learners.sorted()
        let voters = membership.voters.sorted()
        let added = nodes.count - options.voters - options.learners
        let change: MembershipChange
        var newNode: NodeID?
        if voters.count > options.voters, let removed = random.pick(voters) {
            change = .remove(removed)
        } else if let learner = random.pick(learners), random.chance(0.7) {
            change = random.chance(0.8) ? .promoteLearner(learner) : .remove(learner)
        } else if added < options.faults.maxAddedNodes {
            let id = NodeID(UInt64(nodes.count + 1))
            change = .addLearner(id)
            newNode = id
        } else {
            return
        }
        let position = slot(of: leader)
        do throws(ProposalError) {
            guard let (term, index) = try nodes[position].core?.proposeMembershipChange(change) else { return }
            statistics.membershipChanges += 1
            record(.membershipProposed(leader, change, index: index))
            if case let .remove(removed) = change { pendingRemovals[index] = (term, removed) }
            if let newNode, let current = nodes[position].core?.membership {
                // The new node starts empty, told the membership it joins (as an
                // operator would start it), and learns the log from the leader.
                nodes.append(SimulatedNode(id: newNode, initialMembership: current))
                buildCore(nodes.count - 1)
                record(.started(newNode))
            }
        } catch {
            record(.membershipRefused(leader, change, error))
        }
        try handleReadies(position)
    }

    /// Asks the leader to hand leadership to another voter.
    mutating func transferLeadership() {
        guard let leader, let voters = nodes[slot(of: leader)].core?.membership.voters else { return }
        guard let target = random.pick(voters.sorted().filter({ $0 != leader })) else { return }
        do throws(TransferError) {
            try nodes[slot(of: leader)].core?.transferLeadership(to: target)
            statistics.transfers += 1
            record(.transferRequested(from: leader, to: target))
        } catch {
            record(.transferRefused(from: leader, to: target, error))
        }
    }
}
