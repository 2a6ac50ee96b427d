public import RaftCore

/// A deterministic simulation of a Raft cluster: N `RaftCore`s, a simulated network and
/// disks, a client, and a fault injector, all driven by one seed and no wall clock.
///
/// The simulation is the cores' shell. For every Ready it follows `Ready`'s order
/// exactly: send `messages`, install `snapshot`, persist `entries` and `hardState` to
/// the node's `SimulatedDisk`, send `messagesAfterPersist`, apply `committedEntries` to
/// the node's `AppliedStateMachine`, then `advance`. A crash throws away the core and
/// the state machine and keeps the disk; it may also strike between `takeReady` and
/// persisting, losing that Ready.
///
/// After every tick the `InvariantChecker` is fed what happened, so `step()` throws at
/// the first broken safety property. `checkLiveness()` heals every fault and demands
/// progress within `SimulationOptions.livenessBoundTicks`.
///
/// ```swift
/// var simulation = Simulation(seed: 42, options: SimulationOptions(voters: 5))
/// try simulation.run(ticks: 2_000)
/// try simulation.checkLiveness()
/// ```
public struct Simulation: Sendable {
    /// The seed everything derives from.
    public let seed: UInt64
    /// The cluster shape and fault profile.
    public let options: SimulationOptions
    /// Logical time: ticks since the start.
    public internal(set) var now = 0
    /// Every node ever started; `nodes[i]` has id `i + 1`.
    public internal(set) var nodes: [SimulatedNode] = []
    /// The network between the nodes.
    public internal(set) var network: SimulatedNetwork
    /// The safety checker, fed after every tick.
    public internal(set) var checker = InvariantChecker()
    /// The last events and a digest of all of them.
    public internal(set) var trace: TraceRing
    /// Counters worth reporting.
    public internal(set) var statistics = SimulationStatistics()
    /// Whether faults are injected (false once `checkLiveness()` has healed them).
    public internal(set) var faultsEnabled = true
    /// Client commands acknowledged so far, in acknowledgement order.
    public internal(set) var acknowledgedCommands: [UInt64] = []
    /// The membership the cluster started with.
    public let initialMembership: Membership

    var random: SimulationRandom
    var nextCommand: UInt64 = 1
    var partitionHealsAt: Int?
    /// Removals proposed and not yet resolved: index -> (term, removed node).
    var pendingRemovals: [LogIndex: (term: Term, node: NodeID)] = [:]

    /// Builds a cluster of `options.voters` voters and `options.learners` learners,
    /// all up, none elected yet.
    /// - Parameters:
    ///   - seed: the seed the whole run derives from.
    ///   - options: cluster shape and faults.
    public init(seed: UInt64, options: SimulationOptions = SimulationOptions()) {
        self.seed = seed
        self.options = options
        self.random = SimulationRandom(seed: seed)
        self.network = SimulatedNetwork(conditions: options.faults.network, seed: seed)
        self.trace = TraceRing(capacity: options.traceCapacity)
        let voterIDs = (1...options.voters).map { NodeID(UInt64($0)) }
        let learnerIDs = (0..<options.learners).map { NodeID(UInt64(options.voters + 1 + $0)) }
        initialMembership = Membership(voters: Set(voterIDs), learners: Set(learnerIDs))
        for id in voterIDs + learnerIDs {
            nodes.append(SimulatedNode(id: id, initialMembership: initialMembership))
            buildCore(slot(of: id))
        }
    }

    // MARK: - Driving

    /// Advances the cluster one tick: faults, timers, deliveries, client, compaction,
    /// then the safety checks.
    /// - Throws: `SimulationFailure` at the first broken invariant.
    public mutating func step() throws(SimulationFailure) {
        do {
            try stepUnchecked()
        } catch {
            throw failure(error)
        }
    }

    /// Runs `ticks` steps.
    /// - Throws: `SimulationFailure` at the first broken invariant.
    public mutating func run(ticks: Int) throws(SimulationFailure) {
        for _ in 0..<ticks { try step() }
    }

    func failure(_ reason: SimulationFailure.Reason) -> SimulationFailure {
        SimulationFailure(seed: seed, tick: now, reason: reason, trace: trace.lines)
    }

    mutating func stepUnchecked() throws(SimulationFailure.Reason) {
        now += 1
        if faultsEnabled { try injectFaults() }
        for position in nodes.indices where nodes[position].restartAt.map({ $0 <= now }) ?? false {
            try restart(position)
        }
        for position in nodes.indices where nodes[position].isUp {
            nodes[position].core?.tick()
            try handleReadies(position)
        }
        try deliverDue()
        if random.chance(options.faults.proposalProbability) { try proposeCommand() }
        if options.faults.compactionIntervalTicks > 0 {
            for position in nodes.indices where nodes[position].isUp
                && (now + position) % options.faults.compactionIntervalTicks == 0 {
                compact(position)
            }
        }
        try observeAll()
    }

    // MARK: - Observation

    /// The node with this id.
    /// - Parameter id: an id of a started node.
    /// - Returns: the node.
    public func node(_ id: NodeID) -> SimulatedNode { nodes[slot(of: id)] }

    func slot(of id: NodeID) -> Int { Int(id.rawValue) - 1 }

    /// The leader a client would find: the running leader with the highest term.
    public var leader: NodeID? {
        var best: (id: NodeID, term: Term)?
        for node in nodes {
            guard let core = node.core, core.role == .leader else { continue }
            if best == nil || core.term > best!.term { best = (node.id, core.term) }
        }
        return best?.id
    }

    /// A digest of the cluster's observable state and of every trace event so far;
    /// two runs of one seed MUST produce the same value.
    public var stateDigest: StableDigest {
        var digest = trace.digest
        digest.combine(UInt64(now))
        for node in nodes {
            digest.combine(node.id.rawValue)
            digest.combine(node.stateMachine.digest.value)
            digest.combine(node.stateMachine.appliedIndex.rawValue)
            digest.combine(node.disk.hardState.term.rawValue)
            digest.combine(node.disk.hardState.commit.rawValue)
            digest.combine(node.disk.lastIndex.rawValue)
            if let core = node.core {
                digest.combine(core.term.rawValue)
                digest.combine(core.commitIndex.rawValue)
                digest.combine(core.role.rawValue)
            }
        }
        return digest
    }

    mutating func record(_ kind: TraceEvent.Kind) {
        trace.record(TraceEvent(tick: now, kind: kind))
    }

    /// Feeds the checker each running node's commit index and leadership, and traces
    /// role changes.
    mutating func observeAll() throws(SimulationFailure.Reason) {
        for position in nodes.indices where nodes[position].isUp {
            try observe(position)
        }
    }

    mutating func observe(_ position: Int) throws(SimulationFailure.Reason) {
        guard let core = nodes[position].core else { return }
        let id = nodes[position].id
        let role = core.role, term = core.term, leader = core.leader
        if role != nodes[position].reportedRole || term != nodes[position].reportedTerm
            || leader != nodes[position].reportedLeader {
            nodes[position].reportedRole = role
            nodes[position].reportedTerm = term
            nodes[position].reportedLeader = leader
            record(.roleChanged(id, role: role, term: term, leader: leader))
        }
        do {
            try checker.observeCommitIndex(id, core.commitIndex)
            if role == .leader, !checker.hasSeenLeader(id, term: term), let log = nodes[position].log {
                statistics.elections += 1
                try checker.observeLeader(id, term: term, log: log)
            }
        } catch {
            throw .invariant(error)
        }
    }
}
