import RaftCore
import RaftSimulation
import Testing

@Suite("Simulated network, disk and trace")
struct NetworkAndDiskTests {
    private let n1 = NodeID(1), n2 = NodeID(2), n3 = NodeID(3)

    private func message(_ from: NodeID, _ to: NodeID, _ context: UInt64 = 0) -> PeerMessage {
        PeerMessage(from: from, to: to, term: Term(1), body: .heartbeat(commit: .zero, context: context))
    }

    @Test("partitions cut exactly the links they name")
    func partitionShapes() {
        let symmetric = NetworkPartition.symmetric([n1], [n2, n3])
        #expect(!symmetric.allows(from: n1, to: n2) && !symmetric.allows(from: n3, to: n1))
        #expect(symmetric.allows(from: n2, to: n3))
        let oneWay = NetworkPartition.oneWay(from: [n1], to: [n2])
        #expect(!oneWay.allows(from: n1, to: n2) && oneWay.allows(from: n2, to: n1) && oneWay.allows(from: n1, to: n3))
        let bridge = NetworkPartition.bridge([n1], [n2], bridge: n3)
        #expect(!bridge.allows(from: n1, to: n2) && !bridge.allows(from: n2, to: n1))
        #expect(bridge.allows(from: n1, to: n3) && bridge.allows(from: n3, to: n2) && bridge.allows(from: n2, to: n3))
    }

    @Test("a lossy network drops, duplicates and reorders, deterministically")
    func lossyNetwork() {
        func deliverAll(seed: UInt64) -> [UInt64] {
            var network = SimulatedNetwork(conditions: NetworkConditions(dropProbability: 0.2, duplicateProbability: 0.2,
                                                                         minDelayTicks: 0, maxDelayTicks: 5), seed: seed)
            for context in 0..<200 { network.send(message(n1, n2, UInt64(context)), now: 0) }
            var delivered: [UInt64] = []
            for tick in 0...5 {
                for case let .heartbeat(_, context) in network.takeDue(now: tick).deliver.map(\.body) { delivered.append(context) }
            }
            return delivered
        }
        let delivered = deliverAll(seed: 9)
        #expect(delivered == deliverAll(seed: 9))
        #expect(Set(delivered).count < 200, "some messages are dropped")
        #expect(delivered.count > Set(delivered).count, "some messages are duplicated")
        #expect(delivered != delivered.sorted(), "some messages are reordered")
    }

    @Test("messages in flight when a partition starts are lost on arrival")
    func partitionCutsInFlight() {
        var network = SimulatedNetwork(conditions: NetworkConditions(minDelayTicks: 2, maxDelayTicks: 2), seed: 1)
        #expect(network.send(message(n1, n2), now: 0) == .queued(copies: 1))
        network.partition = .symmetric([n1], [n2])
        #expect(network.send(message(n1, n2), now: 0) == .cut)
        let due = network.takeDue(now: 2)
        #expect(due.deliver.isEmpty && due.cut.count == 1)
    }

    @Test("the disk keeps what was persisted: suffix replacement, snapshots, gaps refused")
    func diskSemantics() {
        var disk = SimulatedDisk()
        let entries = (1...5).map { Entry(term: Term(1), index: LogIndex($0)) }
        let appended = disk.append(entries)
        let replaced = disk.append([Entry(term: Term(2), index: LogIndex(4))])
        #expect(appended && replaced)
        #expect(disk.entries.map(\.term.rawValue) == [1, 1, 1, 2])
        let gap = disk.append([Entry(term: Term(2), index: LogIndex(9))])
        #expect(!gap, "a gap is refused")
        let snapshot = Snapshot(metadata: SnapshotMetadata(index: LogIndex(2), term: Term(1), membership: Membership(voters: [n1])),
                                data: [])
        disk.compact(to: snapshot)
        #expect(disk.snapshotIndex == LogIndex(2) && disk.entries.map(\.index.rawValue) == [3, 4])
        let foreign = Snapshot(metadata: SnapshotMetadata(index: LogIndex(3), term: Term(7), membership: Membership(voters: [n1])),
                               data: [])
        disk.install(foreign)
        #expect(disk.entries.isEmpty, "a snapshot that disagrees with the log replaces it")
        disk.persist(HardState(term: Term(7), vote: n2, commit: LogIndex(3)))
        let restored = disk.restoredState(initialMembership: Membership(voters: [n1]))
        #expect(restored.hardState.term == Term(7) && restored.snapshot?.metadata.index == LogIndex(3))
    }

    @Test("the trace ring keeps the last events and digests them all")
    func traceRing() {
        var ring = TraceRing(capacity: 3)
        for tick in 1...5 { ring.record(TraceEvent(tick: tick, kind: .note("e\(tick)"))) }
        #expect(ring.lines == ["t=3 e3", "t=4 e4", "t=5 e5"])
        #expect(ring.recordedCount == 5)
        var other = TraceRing(capacity: 3)
        for tick in 2...5 { other.record(TraceEvent(tick: tick, kind: .note("e\(tick)"))) }
        #expect(other.lines == ring.lines && other.digest != ring.digest)
    }

    @Test("the state machine snapshot round-trips")
    func stateMachineSnapshot() {
        var machine = AppliedStateMachine()
        machine.apply(Entry(term: Term(1), index: LogIndex(1), data: [1, 2]))
        #expect(AppliedStateMachine(snapshotData: machine.snapshotData) == machine)
        #expect(AppliedStateMachine(snapshotData: [1, 2, 3]) == nil)
    }
}
