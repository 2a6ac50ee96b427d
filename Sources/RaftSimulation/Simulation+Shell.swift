import RaftCore

// MARK: - The shell: Ready handling, delivery, crash and restart

extension Simulation {
    /// The configuration every simulated core runs with.
    func config(for id: NodeID) -> RaftConfig {
        RaftConfig(id: id, electionTicks: options.electionTicks, heartbeatTicks: options.heartbeatTicks,
                   preVote: true, checkQuorum: true, maxMessageBytes: options.maxMessageBytes,
                   maxInflightMessages: options.maxInflightMessages, maxInflightBytes: 64 << 10,
                   maxUncommittedBytes: 64 << 10, snapshotChunkBytes: options.snapshotChunkBytes)
    }

    /// Builds the core of `position` from its disk (a start or a restart).
    mutating func buildCore(_ position: Int) {
        let node = nodes[position]
        nodes[position].incarnation += 1
        var coreSeed = StableDigest()
        coreSeed.combine(seed)
        coreSeed.combine(node.id.rawValue)
        coreSeed.combine(nodes[position].incarnation)
        nodes[position].core = RaftCore(config: config(for: node.id),
                                        restoring: node.disk.restoredState(initialMembership: node.initialMembership),
                                        seed: coreSeed.value)
        nodes[position].restartAt = nil
        nodes[position].reportedRole = nil
    }

    /// Crashes a running node: the core, its state machine and its clients' pending
    /// proposals are gone; the disk stays.
    mutating func crash(_ position: Int, lostReady: Bool, downFor ticks: Int) {
        nodes[position].core = nil
        nodes[position].stateMachine = AppliedStateMachine()
        nodes[position].pendingProposals = [:]
        nodes[position].restartAt = nodes[position].isRetired ? nil : now + ticks
        statistics.crashes += 1
        if lostReady { statistics.crashesBeforePersist += 1 }
        record(.crashed(nodes[position].id, lostReady: lostReady))
    }

    /// Restarts a crashed node from its disk and checks it did not forget its commit.
    mutating func restart(_ position: Int) throws(SimulationFailure.Reason) {
        guard !nodes[position].isRetired, !nodes[position].isUp else { return }
        buildCore(position)
        let id = nodes[position].id
        let disk = nodes[position].disk
        var machine = AppliedStateMachine()
        if let snapshot = disk.snapshot {
            guard let restored = AppliedStateMachine(snapshotData: snapshot.data) else {
                throw .invariant(.shellContract(node: id, detail: "stored snapshot is not a state machine snapshot"))
            }
            machine = restored
        }
        nodes[position].stateMachine = machine
        let core = nodes[position].core!
        record(.restarted(id, term: core.term, commit: core.commitIndex, snapshot: disk.snapshotIndex,
                          lastIndex: core.lastIndex))
        do {
            try checker.observeStateMachineReplaced(id, by: machine, isRestart: true)
            try checker.observeRestart(id, commitIndex: core.commitIndex)
        } catch {
            throw .invariant(error)
        }
        try handleReadies(position)
    }

    /// Puts messages on the wire, grouped by receiver so that the order of a core's
    /// internal sets cannot leak into the run (per-receiver order is kept). Granted
    /// votes are shown to the checker as they leave.
    mutating func send(_ messages: [PeerMessage]) throws(InvariantViolation) {
        guard !messages.isEmpty else { return }
        let ordered = messages.count == 1 ? messages
            : messages.enumerated().sorted { ($0.element.to, $0.offset) < ($1.element.to, $1.offset) }.map(\.element)
        for message in ordered {
            if case .requestVoteResponse(granted: true) = message.body {
                try checker.observeVoteGranted(message.from, term: message.term, candidate: message.to)
            }
            switch network.send(message, now: now) {
            case .queued(copies: 1):
                break
            case .queued:
                record(.duplicated(message))
            case .dropped:
                statistics.lost += 1
                record(.lost(message, reason: "drop"))
            case .cut:
                statistics.lost += 1
                record(.lost(message, reason: "cut"))
            }
        }
    }

    /// Delivers every message due this tick, handling the receiver's Readies after each.
    mutating func deliverDue() throws(SimulationFailure.Reason) {
        let (deliver, cut) = network.takeDue(now: now)
        for message in cut {
            statistics.lost += 1
            record(.lost(message, reason: "cut"))
        }
        for message in deliver {
            let position = slot(of: message.to)
            guard position < nodes.count, nodes[position].isUp else {
                statistics.lost += 1
                record(.lost(message, reason: "down"))
                continue
            }
            statistics.delivered += 1
            record(.delivered(message))
            nodes[position].core?.step(message)
            try handleReadies(position)
        }
    }

    /// Handles Readies of `position` until the core has nothing more to do, in the
    /// order `Ready` prescribes.
    mutating func handleReadies(_ position: Int) throws(SimulationFailure.Reason) {
        let id = nodes[position].id
        var rounds = 0
        while nodes[position].isUp, let ready = nodes[position].core?.takeReady() {
            rounds += 1
            if rounds > 1_000 {
                throw .invariant(.shellContract(node: id, detail: "takeReady never runs dry"))
            }
            // 1. Messages that need nothing durable.
            do throws(InvariantViolation) {
                try send(ready.messages)
            } catch {
                throw .invariant(error)
            }
            if faultsEnabled, random.chance(options.faults.crashBeforePersistProbability) {
                crash(position, lostReady: true, downFor: random.int(in: options.faults.downTicks))
                return
            }
            do throws(InvariantViolation) {
                // 2. Snapshot.
                if let snapshot = ready.snapshot { try install(snapshot, at: position) }
                // 3. Entries and hard state, durably.
                if let first = ready.entries.first {
                    let preceding: Term? = first.index.rawValue <= 1 ? .zero
                        : nodes[position].core?.term(at: LogIndex(first.index.rawValue - 1))
                    try checker.observeAppended(id, entries: ready.entries, precedingTerm: preceding)
                    if !nodes[position].disk.append(ready.entries) {
                        throw InvariantViolation.shellContract(
                            node: id, detail: "entries \(first.index)... do not attach to the stored log ending at \(nodes[position].disk.lastIndex)")
                    }
                }
                if let hardState = ready.hardState {
                    try checker.observePersisted(id, hardState)
                    nodes[position].disk.persist(hardState)
                }
                // 4. Messages that promise durability.
                try send(ready.messagesAfterPersist)
                let grantedVote = ready.messagesAfterPersist.contains {
                    if case .requestVoteResponse(granted: true) = $0.body { return true } else { return false }
                }
                let rebootChance = grantedVote ? options.faults.quickRebootAfterVoteProbability
                    : options.faults.quickRebootProbability
                if faultsEnabled, random.chance(rebootChance) {
                    // Dies after keeping its promises but before applying: a quick reboot.
                    crash(position, lostReady: false, downFor: random.int(in: options.faults.quickRebootTicks))
                    statistics.quickReboots += 1
                    return
                }
                // 5. Apply.
                for entry in ready.committedEntries { try apply(entry, at: position) }
            } catch {
                throw .invariant(error)
            }
            // 6. Done.
            nodes[position].core?.advance(ready)
        }
        try observe(position)
    }

    mutating func install(_ snapshot: Snapshot, at position: Int) throws(InvariantViolation) {
        let id = nodes[position].id
        guard let machine = AppliedStateMachine(snapshotData: snapshot.data),
              machine.appliedIndex == snapshot.metadata.index, machine.appliedTerm == snapshot.metadata.term else {
            throw .shellContract(node: id, detail: "snapshot \(snapshot.metadata.index) does not match its data")
        }
        try checker.observeStateMachineReplaced(id, by: machine, isRestart: false)
        nodes[position].disk.install(snapshot)
        nodes[position].stateMachine = machine
        nodes[position].pendingProposals = nodes[position].pendingProposals.filter { $0.key > snapshot.metadata.index }
        statistics.snapshotsInstalled += 1
        record(.snapshotInstalled(id, through: snapshot.metadata.index))
    }

    /// Applies one committed entry, acknowledging the proposal it carries when this
    /// node accepted it in the same term, and retiring nodes whose removal committed.
    mutating func apply(_ entry: Entry, at position: Int) throws(InvariantViolation) {
        let id = nodes[position].id
        try checker.observeApplied(id, entry: entry)
        nodes[position].stateMachine.apply(entry)
        if let pending = nodes[position].pendingProposals.removeValue(forKey: entry.index),
           entry.term == pending.term, entry.data == Self.encode(command: pending.command) {
            statistics.acknowledged += 1
            acknowledgedCommands.append(pending.command)
            record(.acknowledged(command: pending.command, index: entry.index, term: entry.term))
            try checker.recordAcknowledged(command: entry.data, index: entry.index, term: entry.term)
        }
        if entry.kind == .membership, let removal = pendingRemovals[entry.index] {
            pendingRemovals[entry.index] = nil
            if removal.term == entry.term { retire(slot(of: removal.node)) }
        }
    }

    /// Takes a removed node out of the simulation for good.
    mutating func retire(_ position: Int) {
        guard !nodes[position].isRetired else { return }
        nodes[position].isRetired = true
        nodes[position].core = nil
        nodes[position].restartAt = nil
        nodes[position].pendingProposals = [:]
        record(.retired(nodes[position].id))
    }

    /// Compacts the log of `position` to a snapshot of its state machine, when enough
    /// was applied and the membership at the applied index is known (no membership
    /// entry waits beyond it).
    mutating func compact(_ position: Int) {
        guard let core = nodes[position].core else { return }
        let machine = nodes[position].stateMachine
        let applied = machine.appliedIndex
        let snapshotIndex = nodes[position].disk.snapshotIndex
        guard applied.rawValue >= snapshotIndex.rawValue + UInt64(options.faults.compactionMinEntries),
              applied <= nodes[position].disk.lastIndex else { return }
        if core.lastIndex > applied,
           core.entries(in: applied.advanced(by: 1)...core.lastIndex).contains(where: { $0.kind == .membership }) {
            return
        }
        let snapshot = Snapshot(
            metadata: SnapshotMetadata(index: applied, term: machine.appliedTerm, membership: core.membership),
            data: machine.snapshotData)
        // Every other compaction keeps a tail of entries below the snapshot in memory
        // (as Herald's nodes do), so both ways of catching a follower up are exercised.
        let kept = statistics.compactions % 2 == 1 ? options.faults.compactionMinEntries / 2 : 0
        nodes[position].core?.compact(to: snapshot, keepingEntries: kept)
        nodes[position].disk.compact(to: snapshot)
        statistics.compactions += 1
        record(.compacted(nodes[position].id, through: applied))
    }

    /// The 8-byte little-endian encoding of a client command counter.
    static func encode(command: UInt64) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: command >> (8 * UInt64($0))) }
    }
}
