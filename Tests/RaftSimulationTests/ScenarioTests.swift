import RaftCore
import RaftSimulation
import Testing

/// The Raft paper's hard cases, scripted on the simulator with a perfect network
/// (faults come only from the script) and checked by the InvariantChecker throughout.
@Suite("Raft paper scenarios")
struct ScenarioTests {
    static let scripted = FaultProfile(proposalProbability: 0, compactionIntervalTicks: 0)

    static func ids(_ count: Int) -> [NodeID] { (1...count).map { NodeID(UInt64($0)) } }

    /// Entries with the given terms from index 1; the data names index and term.
    static func log(_ terms: [UInt64]) -> [Entry] {
        terms.enumerated().map { offset, term in
            Entry(term: Term(term), index: LogIndex(UInt64(offset + 1)), kind: .command,
                  data: [UInt8(offset + 1), UInt8(term)])
        }
    }

    static func disk(_ terms: [UInt64], term: UInt64, commit: UInt64 = 0) -> SimulatedDisk {
        SimulatedDisk(hardState: HardState(term: Term(term), vote: nil, commit: LogIndex(commit)), entries: log(terms))
    }

    static func terms(of node: SimulatedNode) -> [UInt64] {
        node.log.map { log in (1...max(1, log.lastIndex.rawValue)).compactMap { log.term(at: LogIndex($0))?.rawValue } } ?? []
    }

    /// Every running node holds the same log as `leader` and applied all of it.
    static func converged(_ simulation: Simulation, to leader: NodeID) -> Bool {
        guard let reference = simulation.node(leader).log, let core = simulation.node(leader).core,
              core.role == .leader else { return false }
        return simulation.nodes.filter(\.isUp).allSatisfy { node in
            node.log?.lastIndex == reference.lastIndex && node.core?.commitIndex == core.commitIndex
                && node.stateMachine.appliedIndex == core.commitIndex
                && node.log?.term(at: reference.lastIndex) == reference.term(at: reference.lastIndex)
        }
    }

    /// Proposes `count` commands at the leader and runs until all are applied on every
    /// running node in `reachable` (default: all).
    static func commit(_ count: Int, from first: UInt64, in simulation: inout Simulation,
                       reachable: Set<NodeID>? = nil) throws -> NodeID {
        let leader = try #require(simulation.leader)
        var last = LogIndex.zero
        for command in first..<(first + UInt64(count)) {
            last = try #require(try simulation.propose(command: command, at: leader)).index
        }
        let done = try simulation.run(upTo: 300) { simulation in
            simulation.nodes.filter { $0.isUp && (reachable?.contains($0.id) ?? true) }
                .allSatisfy { $0.stateMachine.appliedIndex >= last }
        }
        #expect(done, "commands through \(last) applied on every running node")
        return leader
    }

    @Test("Figure 7: followers with missing and extra entries converge on the leader's log (§5.3)")
    func figure7() throws {
        let logs: [[UInt64]] = [
            [1, 1, 1, 4, 4, 5, 5, 6, 6, 6],          // leader for term 8
            [1, 1, 1, 4, 4, 5, 5, 6, 6],             // (a) missing one
            [1, 1, 1, 4],                            // (b) missing many
            [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6],       // (c) one extra, uncommitted
            [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7],    // (d) extra entries from term 7
            [1, 1, 1, 4, 4, 4, 4],                   // (e) missing, with extra from term 4
            [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3],       // (f) extra from terms 2 and 3
        ]
        var disks: [NodeID: SimulatedDisk] = [:]
        for (offset, terms) in logs.enumerated() { disks[NodeID(UInt64(offset + 1))] = Self.disk(terms, term: 7) }
        var simulation = Simulation(seed: 7, options: SimulationOptions(voters: 7, faults: Self.scripted), disks: disks)
        let leader = NodeID(1)
        try simulation.campaign(leader)
        let elected = try simulation.run(upTo: 50) { $0.leader == leader }
        #expect(elected, "the Figure 7 leader wins with votes from a, b, e and f")
        #expect(simulation.node(leader).core?.term == Term(8))
        let done = try simulation.run(upTo: 300) { Self.converged($0, to: leader) }
        #expect(done, "every follower converges")
        let expected = logs[0] + [8]   // the leader's log plus its no-op of term 8
        for node in simulation.nodes {
            #expect(Self.terms(of: node) == expected, "\(node.id) log terms")
        }
        try simulation.checkLiveness()
    }

    /// Runs Readies to completion the way a shell would (nothing to persist to here).
    static func drain(_ core: inout RaftCore) {
        while let ready = core.takeReady() { core.advance(ready) }
    }

    @Test("Figure 8 (c): a leader does not commit an old-term entry by counting replicas (§5.4.2)")
    func figure8CommitRule() {
        // S1 restarts with index 2 from term 2 (Figure 8 (a)); terms went up to 3 meanwhile.
        let membership = Membership(voters: Set(Self.ids(5)))
        var s1 = RaftCore(config: RaftConfig(id: NodeID(1)),
                          restoring: RestoredState(hardState: HardState(term: Term(3), vote: nil, commit: LogIndex(1)),
                                                   entries: Self.log([1, 2]), initialMembership: membership),
                          seed: 8)
        s1.campaign()
        Self.drain(&s1)
        for voter in [NodeID(2), NodeID(3)] {
            s1.step(PeerMessage(from: voter, to: NodeID(1), term: Term(4), body: .preVoteResponse(granted: true)))
            Self.drain(&s1)
        }
        for voter in [NodeID(2), NodeID(3)] {
            s1.step(PeerMessage(from: voter, to: NodeID(1), term: Term(4), body: .requestVoteResponse(granted: true)))
            Self.drain(&s1)
        }
        #expect(s1.role == .leader && s1.term == Term(4))
        #expect(s1.lastIndex == LogIndex(3) && s1.term(at: LogIndex(3)) == Term(4), "the new leader appends a no-op")
        // Figure 8 (c): index 2 (term 2) now sits on S1, S2 and S3, a majority of five ...
        for follower in [NodeID(2), NodeID(3)] {
            s1.step(PeerMessage(from: follower, to: NodeID(1), term: Term(4),
                                body: .appendResponse(success: true, matchIndex: LogIndex(2), rejectHint: .zero, rejectHintTerm: .zero)))
            Self.drain(&s1)
        }
        // ... but it is from an earlier term, so it MUST NOT be committed by counting replicas.
        #expect(s1.commitIndex == LogIndex(1))
        // Once the term-4 entry reaches a majority, both commit (Figure 8 (e)).
        for follower in [NodeID(2), NodeID(3)] {
            s1.step(PeerMessage(from: follower, to: NodeID(1), term: Term(4),
                                body: .appendResponse(success: true, matchIndex: LogIndex(3), rejectHint: .zero, rejectHintTerm: .zero)))
            Self.drain(&s1)
        }
        #expect(s1.commitIndex == LogIndex(3))
    }

    @Test("Figure 8 (d): an old-term entry on a majority but never committed may be overwritten (§5.4.2)")
    func figure8Overwrite() throws {
        // Figure 8 (c): S1 led term 2 and its index 2 reached S2 and S3; S5 led term 3 alone.
        let disks: [NodeID: SimulatedDisk] = [
            NodeID(1): Self.disk([1, 2], term: 3, commit: 1),
            NodeID(2): Self.disk([1, 2], term: 3, commit: 1),
            NodeID(3): Self.disk([1, 2], term: 3, commit: 1),
            NodeID(4): Self.disk([1], term: 3, commit: 1),
            NodeID(5): Self.disk([1, 3], term: 3, commit: 1),
        ]
        var simulation = Simulation(seed: 8, options: SimulationOptions(voters: 5, faults: Self.scripted), disks: disks)
        let s1 = NodeID(1), s5 = NodeID(5)
        // S1 wins term 4 and crashes before its term-4 entry reaches anyone.
        try simulation.campaign(s1)
        let s1Leads = try simulation.run(upTo: 50) { $0.leader == s1 }
        #expect(s1Leads)
        #expect(simulation.nodes.allSatisfy { $0.core?.commitIndex == LogIndex(1) }, "index 2 is not committed")
        // Its AppendEntries are already on the wire: cut them, as in the figure.
        simulation.partition(.symmetric([s1], Set(Self.ids(5)).subtracting([s1])))
        simulation.crash(s1)
        // S5 (last term 3) wins with S2, S3, S4 and overwrites index 2 everywhere. It asks
        // every tick: the others refuse while S1's lease lasts (check-quorum), and S5 must
        // ask before their own randomized timers fire.
        var s5Leads = false
        for _ in 0..<100 where !s5Leads {
            if simulation.node(s5).core?.role == .follower { try simulation.campaign(s5) }
            try simulation.step()
            s5Leads = simulation.leader == s5
        }
        #expect(s5Leads)
        simulation.heal()
        try simulation.restart(s1)
        let done = try simulation.run(upTo: 300) { Self.converged($0, to: s5) }
        #expect(done)
        for node in simulation.nodes {
            #expect(node.log?.term(at: LogIndex(2)) == Term(3), "\(node.id) holds S5's index 2")
        }
        try simulation.checkLiveness()
    }

    @Test("a partitioned old leader cannot commit, and its entries are overwritten on heal (§5.4, §6.4)")
    func partitionedOldLeader() throws {
        var simulation = Simulation(seed: 11, options: SimulationOptions(voters: 5, faults: Self.scripted))
        try simulation.run(upTo: 100) { $0.leader != nil }
        let oldLeader = try Self.commit(3, from: 1, in: &simulation)
        let ids = Self.ids(5)
        let buddy = ids.first { $0 != oldLeader }!
        let majority = Set(ids).subtracting([oldLeader, buddy])
        simulation.partition(.symmetric([oldLeader, buddy], majority))
        let committedBefore = try #require(simulation.node(oldLeader).core?.commitIndex)
        var stranded: [LogIndex] = []
        for command in UInt64(100)..<105 {
            if let (_, index) = try simulation.propose(command: command, at: oldLeader) { stranded.append(index) }
        }
        #expect(stranded.count == 5, "the old leader still accepts proposals")
        let strandedTerm = try #require(simulation.node(oldLeader).core?.term)
        let newLeaderElected = try simulation.run(upTo: 200) { simulation in
            if let commit = simulation.node(oldLeader).core?.commitIndex, commit != committedBefore { return true }
            return simulation.leader.map { majority.contains($0) } ?? false
        }
        #expect(newLeaderElected)
        #expect(simulation.node(oldLeader).core?.commitIndex == committedBefore, "the minority side commits nothing")
        let newLeader = try #require(simulation.leader)
        #expect(majority.contains(newLeader))
        _ = try Self.commit(3, from: 200, in: &simulation, reachable: majority)
        #expect(simulation.node(oldLeader).core?.commitIndex == committedBefore)
        simulation.heal()
        let done = try simulation.run(upTo: 300) { Self.converged($0, to: newLeader) }
        #expect(done, "the old leader rejoins and converges")
        for index in stranded {
            #expect(simulation.node(oldLeader).log?.term(at: index) != strandedTerm, "stranded \(index) overwritten")
        }
        #expect(simulation.acknowledgedCommands.allSatisfy { !(100..<105).contains($0) }, "no stranded proposal acknowledged")
        try simulation.checkLiveness()
    }

    @Test("a node rejoining with a divergent log is repaired, through a snapshot when compacted (§5.3, §7)")
    func rejoiningDivergentNode() throws {
        var faults = Self.scripted
        faults.compactionIntervalTicks = 5
        faults.compactionMinEntries = 5
        var simulation = Simulation(seed: 13, options: SimulationOptions(voters: 3, faults: faults))
        try simulation.run(upTo: 100) { $0.leader != nil }
        let stale = try Self.commit(2, from: 1, in: &simulation)
        let others = Set(Self.ids(3)).subtracting([stale])
        simulation.partition(.symmetric([stale], others))
        for command in UInt64(100)..<104 { try simulation.propose(command: command, at: stale) }
        let divergentTerm = try #require(simulation.node(stale).core?.term)
        let divergentLast = try #require(simulation.node(stale).core?.lastIndex)
        simulation.crash(stale)
        simulation.heal()
        try simulation.run(upTo: 200) { $0.leader.map { others.contains($0) } ?? false }
        let newLeader = try #require(simulation.leader)
        for round in 0..<6 { _ = try Self.commit(5, from: 1_000 + UInt64(round) * 10, in: &simulation) }
        #expect(simulation.node(newLeader).disk.snapshotIndex > divergentLast, "the leader compacted past the stale log")
        let installedBefore = simulation.statistics.snapshotsInstalled
        try simulation.restart(stale)
        let done = try simulation.run(upTo: 300) { Self.converged($0, to: newLeader) }
        #expect(done, "the divergent node converges")
        #expect(simulation.statistics.snapshotsInstalled > installedBefore, "it was repaired with InstallSnapshot")
        let staleNode = simulation.node(stale), leaderNode = simulation.node(newLeader)
        #expect(staleNode.stateMachine == leaderNode.stateMachine, "same applied state")
        for index in (divergentLast.rawValue - 3)...divergentLast.rawValue {
            #expect(staleNode.log?.term(at: LogIndex(index)) != divergentTerm)
        }
        try simulation.checkLiveness()
    }

    @Test("a learner promoted while a follower is down counts toward the new quorum (thesis §4.2.1)")
    func learnerPromotedWhileFollowerDown() throws {
        var simulation = Simulation(seed: 17, options: SimulationOptions(voters: 3, learners: 1, faults: Self.scripted))
        try simulation.run(upTo: 100) { $0.leader != nil }
        let leader = try Self.commit(3, from: 1, in: &simulation)
        let learner = NodeID(4)
        #expect(simulation.node(learner).stateMachine.appliedIndex > .zero, "the learner replicates")
        let down = try #require(Self.ids(3).first { $0 != leader })
        simulation.crash(down)
        let index = try #require(try simulation.proposeMembershipChange(.promoteLearner(learner), at: leader))
        let promoted = try simulation.run(upTo: 200) { simulation in
            (simulation.node(leader).core?.commitIndex ?? .zero) >= index
        }
        #expect(promoted, "the promotion commits with the follower down")
        #expect(simulation.node(leader).core?.membership.voters == Set(Self.ids(4)))
        // Quorum is now 3 of 4: leader, the other follower and the new voter.
        _ = try Self.commit(5, from: 50, in: &simulation)
        #expect(simulation.acknowledgedCommands.contains(54))
        try simulation.restart(down)
        let done = try simulation.run(upTo: 300) { Self.converged($0, to: leader) }
        #expect(done)
        #expect(simulation.node(down).core?.membership.voters == Set(Self.ids(4)), "the restarted follower learns the promotion")
        try simulation.checkLiveness()
    }

    @Test("a lagging follower catches up by InstallSnapshot even if the leader compacts again mid-transfer (§7)")
    func snapshotTransferSurvivesRecompaction() throws {
        var faults = Self.scripted
        faults.compactionIntervalTicks = 5
        faults.compactionMinEntries = 5
        var simulation = Simulation(seed: 19, options: SimulationOptions(voters: 3, faults: faults))
        try simulation.run(upTo: 100) { $0.leader != nil }
        let leader = try Self.commit(3, from: 1, in: &simulation)
        let lagging = try #require(Self.ids(3).first { $0 != leader })
        let others = Set(Self.ids(3)).subtracting([lagging])
        simulation.crash(lagging)
        for round in 0..<3 { _ = try Self.commit(5, from: 100 + UInt64(round) * 10, in: &simulation) }
        try simulation.restart(lagging)
        // Wait for the first InstallSnapshot chunk to reach it, then cut it off mid-transfer.
        let chunkArrived = try simulation.run(upTo: 200) { simulation in
            simulation.trace.events.contains { event in
                if case let .delivered(message) = event.kind, message.to == lagging,
                   case .installSnapshot = message.body { return true }
                return false
            }
        }
        #expect(chunkArrived)
        simulation.partition(.symmetric([lagging], others))
        // The leader compacts again while the transfer is stuck ...
        let snapshotBefore = simulation.node(leader).disk.snapshotIndex
        for round in 0..<3 { _ = try Self.commit(5, from: 200 + UInt64(round) * 10, in: &simulation, reachable: others) }
        #expect(simulation.node(leader).disk.snapshotIndex > snapshotBefore)
        // ... and once the network heals the follower MUST still catch up.
        simulation.heal()
        let done = try simulation.run(upTo: 300) { Self.converged($0, to: leader) }
        #expect(done, "the lagging follower catches up (applied \(simulation.node(lagging).stateMachine.appliedIndex))")
        try simulation.checkLiveness()
    }
}
