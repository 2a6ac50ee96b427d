import Testing
@testable import RaftCore

@Suite("Leader transfer and ReadIndex")
struct TransferAndReadTests {
    @Test("leadership transfer: proposals stop, the target campaigns at once and wins (thesis §3.10)")
    func transfer() throws {
        var c = Cluster(voters: [1, 2, 3])
        c.elect(1)
        let term = c[1].term
        try c[1].transferLeadership(to: NodeID(2))
        #expect(throws: ProposalError.transferInProgress) { _ = try c[1].propose([1]) }
        c.stabilize()
        #expect(c[2].role == .leader)
        #expect(c[2].term == Term(term.rawValue + 1))
        #expect(c[1].role == .follower)
        #expect(c[1].leader == NodeID(2))
        #expect(c[3].leader == NodeID(2))
    }

    @Test("leadership transfer catches a lagging target up first")
    func transferToLaggingTarget() throws {
        var c = Cluster(voters: [1, 2, 3])
        c.elect(1)
        c.isolated = [NodeID(2)]
        for k: UInt8 in 0..<5 { _ = try c[1].propose([k]) }
        c.stabilize()
        c.isolated = []
        try c[1].transferLeadership(to: NodeID(2))
        c.tick([1], times: 12)
        #expect(c[2].role == .leader)
        #expect(c[2].lastIndex >= LogIndex(6))
    }

    @Test("a transfer that cannot finish is aborted after an election timeout")
    func transferAborts() throws {
        var c = Cluster(voters: [1, 2, 3])
        c.elect(1)
        c.isolated = [NodeID(2)]
        try c[1].transferLeadership(to: NodeID(2))
        c.tick([1], times: 10)
        #expect(c[1].role == .leader)
        #expect(c[1].transferTarget == nil)
        _ = try c[1].propose([1])
        #expect(throws: TransferError.notAVoter(NodeID(7))) { try c[1].transferLeadership(to: NodeID(7)) }
        #expect(throws: TransferError.alreadyLeader) { try c[1].transferLeadership(to: NodeID(1)) }
        #expect(throws: TransferError.notLeader(hint: NodeID(1))) { try c[2].transferLeadership(to: NodeID(3)) }
    }

    @Test("ReadIndex at the leader confirms leadership with a heartbeat round (thesis §6.4)")
    func readIndexAtLeader() throws {
        var c = Cluster(voters: [1, 2, 3])
        c.elect(1)
        _ = try c[1].propose([1])
        c.stabilize()
        c.trace = []
        try c[1].readIndex(context: 42)
        c.stabilize()
        #expect(c.readStates[NodeID(1)] == [ReadState(index: LogIndex(2), context: 42)])
        #expect(c.trace.contains { if case .heartbeat(_, let ctx) = $0.body { ctx != 0 } else { false } })
    }

    @Test("ReadIndex at the leader waits for a quorum of heartbeat answers")
    func readIndexNeedsQuorum() throws {
        var c = Cluster(voters: [1, 2, 3])
        c.elect(1)
        c.isolated = [NodeID(2), NodeID(3)]
        try c[1].readIndex(context: 1)
        c.stabilize()
        #expect(c.readStates[NodeID(1), default: []].isEmpty)
        c.isolated = []
        c.tick([1], times: 1) // the periodic heartbeat repeats the pending round
        #expect(c.readStates[NodeID(1)] == [ReadState(index: LogIndex(1), context: 1)])
    }

    @Test("ReadIndex at a follower goes through the leader")
    func readIndexAtFollower() throws {
        var c = Cluster(voters: [1, 2, 3])
        c.elect(1)
        try c[2].readIndex(context: 43)
        c.stabilize()
        #expect(c.readStates[NodeID(2)] == [ReadState(index: LogIndex(1), context: 43)])
        var lone = Cluster(voters: [1, 2, 3])
        #expect(throws: ReadIndexError.noLeader) { try lone[2].readIndex(context: 1) }
    }

    @Test("a new leader refuses ReadIndex until it committed an entry of its term")
    func readIndexLeaderNotReady() {
        var c = Cluster(voters: [1, 2, 3])
        c[1].campaign()
        c.processReadies(); c.deliver() // pre-votes
        c.processReadies(); c.deliver() // pre-vote grants
        c.processReadies(); c.deliver() // votes
        c.processReadies(); c.deliver() // grants arrive: leader, no-op not yet committed
        #expect(c[1].role == .leader)
        #expect(throws: ReadIndexError.leaderNotReady) { try c[1].readIndex(context: 1) }
    }
}

@Suite("ReadIndex forwarding")
struct ReadIndexForwardingTests {
    @Test("a read forwarded before the new leader committed in its term is answered once it has")
    func forwardedReadWaitsForTermCommit() throws {
        var c = Cluster(voters: [1, 2, 3])
        c.elect(1)
        // Node 2 believes 1 leads; deliver its read to 1 only after a new term begins at 1.
        c.isolated = [NodeID(3)]
        try c[2].readIndex(context: 77)
        c.processReadies()
        let forwarded = c.wire.filter { if case .readIndex = $0.body { true } else { false } }
        #expect(forwarded.count == 1)
        c.stabilize()
        #expect(c.readStates[NodeID(2)] == [ReadState(index: LogIndex(1), context: 77)])
    }

    @Test("reads queue behind one heartbeat round and are released in order")
    func readsReleasedInOrder() throws {
        var c = Cluster(voters: [1, 2, 3])
        c.elect(1)
        try c[1].readIndex(context: 1)
        try c[1].readIndex(context: 2)
        try c[3].readIndex(context: 3)
        c.stabilize()
        #expect(c.readStates[NodeID(1)]?.map(\.context) == [1, 2])
        #expect(c.readStates[NodeID(3)]?.map(\.context) == [3])
        // Reads registered between two Readies share one heartbeat round.
        c.trace = []
        try c[1].readIndex(context: 4)
        try c[1].readIndex(context: 5)
        c.stabilize()
        #expect(c.trace.filter { if case .heartbeat = $0.body { true } else { false } }.count == 2)
        #expect(c.readStates[NodeID(1)]?.map(\.context) == [1, 2, 4, 5])
    }
}
