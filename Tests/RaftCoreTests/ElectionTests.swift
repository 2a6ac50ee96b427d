import Testing
@testable import RaftCore

@Suite("Election")
struct ElectionTests {
    @Test("a campaign elects a leader that commits a no-op of its term (§5.2, §8)")
    func electionCommitsNoop() {
        var c = Cluster(voters: [1, 2, 3])
        c.elect(1)
        #expect(c.leaders == [NodeID(1)])
        #expect(c[1].term == Term(1))
        for id: UInt64 in [1, 2, 3] {
            #expect(c[id].leader == NodeID(1))
            #expect(c.applied[NodeID(id)]!.map(\.kind) == [.noop])
            #expect(c.stores[NodeID(id)]!.hardState.term == Term(1))
        }
    }

    @Test("the election timer elects exactly one leader")
    func timerElectsOneLeader() {
        var c = Cluster(voters: [1, 2, 3, 4, 5], seed: 7)
        c.tick(times: 40)
        #expect(c.leaders.count == 1)
        let leader = c.leaders[0]
        for id in c.ids { #expect(c.nodes[id]!.leader == leader) }
    }

    @Test("a single voter elects itself and answers reads at once")
    func singleVoter() throws {
        var c = Cluster(voters: [1])
        c.elect(1)
        #expect(c[1].role == .leader)
        _ = try c[1].propose([9])
        c.stabilize()
        #expect(c.applied[NodeID(1)]!.map(\.data) == [[], [9]])
        try c[1].readIndex(context: 5)
        c.stabilize()
        #expect(c.readStates[NodeID(1)] == [ReadState(index: LogIndex(2), context: 5)])
    }

    @Test("pre-vote keeps a partitioned node from growing its term and disrupting the leader (§9.6)")
    func preVotePreventsDisruption() {
        var c = Cluster(voters: [1, 2, 3])
        c.elect(1)
        let term = c[1].term
        c.isolated = [NodeID(3)]
        c.tick([3], times: 100)
        #expect(c[3].term == term)
        #expect(c[3].role == .preCandidate)
        c.isolated = []
        c.tick([1], times: 2)
        #expect(c[1].role == .leader)
        #expect(c[1].term == term)
        #expect(c[3].role == .follower)
        #expect(c[3].leader == NodeID(1))
    }

    @Test("without pre-vote the partitioned node's term grows (contrast)")
    func withoutPreVoteTermGrows() {
        var c = Cluster(voters: [1, 2, 3]) { $0.preVote = false }
        c.elect(1)
        let term = c[1].term
        c.isolated = [NodeID(3)]
        c.tick([3], times: 100)
        #expect(c[3].term > term)
    }

    @Test("check-quorum: a leader that hears no quorum for an election timeout steps down (§6.2)")
    func checkQuorumStepDown() {
        var c = Cluster(voters: [1, 2, 3])
        c.elect(1)
        c.isolated = [NodeID(1)]
        c.tick([1], times: 2 * 10 + 1)
        #expect(c[1].role == .follower)
        #expect(c[1].leader == nil)
    }

    @Test("check-quorum: followers that hear a leader ignore a vote request at a higher term")
    func leaderStickiness() {
        var c = Cluster(voters: [1, 2, 3]) { $0.preVote = false }
        c.elect(1)
        let term = c[1].term
        // Node 3 campaigns while 2 still hears 1: node 2 ignores it, so 3 cannot win.
        c[3].campaign()
        c.stabilize()
        #expect(c[2].term == term)
        #expect(c[1].role == .leader)
        #expect(c[3].role == .candidate)
    }

    @Test("a node does not vote for a candidate whose log is behind (§5.4.1)")
    func upToDateCheck() {
        var c = Cluster(voters: [1, 2, 3])
        c.elect(1)
        c.isolated = [NodeID(3)]
        _ = try? c[1].propose([1])
        c.stabilize()
        c.isolated = [NodeID(1)]
        c[3].campaign()
        c.stabilize()
        c.tick([2, 3], times: 30)
        #expect(c[3].role != .leader)
        #expect(c[2].role == .leader)
    }

    @Test("a vote is persisted before it is sent")
    func votePersistedBeforeReply() {
        var c = Cluster(voters: [1, 2, 3]) { $0.preVote = false }
        c[1].campaign()
        c.processReadies()
        c.deliver()
        let ready = c[2].takeReady()!
        #expect(ready.hardState?.vote == NodeID(1))
        #expect(ready.messages.isEmpty)
        #expect(ready.messagesAfterPersist.count == 1)
    }
}

@Suite("Election durability")
struct ElectionDurabilityTests {
    @Test("a candidate with a quorum becomes leader only once its own term and vote are durable")
    func candidateWaitsForDurableVote() {
        var c = Cluster(voters: [1, 2, 3]) { $0.preVote = false }
        c[1].campaign()
        let ready = c[1].takeReady()!
        #expect(ready.hardState == HardState(term: Term(1), vote: NodeID(1), commit: .zero))
        c.send(ready.messages)
        c.deliver()
        for id: UInt64 in [2, 3] {
            while let r = c[id].takeReady() { c.handle(r, at: NodeID(id)) }
        }
        c.deliver()
        #expect(c[1].role == .candidate)
        c.nodes[NodeID(1)]!.advance(ready)
        #expect(c[1].role == .leader)
    }

    @Test("a single voter becomes leader after advancing its candidacy")
    func singleVoterWaitsForDurableVote() {
        var core = RaftCore(config: RaftConfig(id: NodeID(1)),
                            restoring: RestoredState(initialMembership: Membership(voters: [NodeID(1)])), seed: 3)
        core.campaign()
        #expect(core.role == .candidate)
        core.advance(core.takeReady()!)
        #expect(core.role == .leader)
    }

    @Test("followers told that the leader's process is gone elect a new leader within a tick, not an election timeout")
    func peerDownElectsAtOnce() throws {
        var c = Cluster(voters: [1, 2, 3])
        c.elect(1)
        _ = try c[1].propose([7])
        c.stabilize()
        c.isolated = [NodeID(1)]  // the leader's process died
        c[2].reportPeerDown(NodeID(1))
        c[3].reportPeerDown(NodeID(1))
        #expect(c[2].leader == nil)
        c.tick([2, 3], times: 1)
        // Node 2 ranks first among the survivors, campaigns after one tick and wins.
        // (Node 1, cut off and never ticked, still believes it leads term 1.)
        #expect(c[2].role == .leader)
        #expect(c[2].term == Term(2))
        #expect(c[3].leader == NodeID(2))
        _ = try c[2].propose([8])
        c.stabilize()
        #expect(c.applied[NodeID(3)]!.map(\.data).contains([8]))
    }

    @Test("a false report of a live leader's death does not depose it")
    func falsePeerDownKeepsLeader() {
        var c = Cluster(voters: [1, 2, 3])
        c.elect(1)
        c[2].reportPeerDown(NodeID(1))
        c.tick([2], times: 3)
        // Node 3 is in the leader's lease and refuses node 2's pre-vote; no term changes.
        #expect(c[2].role == .preCandidate)
        #expect(c[1].role == .leader)
        c.tick([1], times: 1)
        #expect(c[2].role == .follower)
        #expect(c[2].leader == NodeID(1))
        for id: UInt64 in [1, 2, 3] { #expect(c[id].term == Term(1)) }
    }

    @Test("a report about a peer that does not lead changes nothing")
    func peerDownOfNonLeaderIgnored() {
        var c = Cluster(voters: [1, 2, 3])
        c.elect(1)
        c[2].reportPeerDown(NodeID(3))
        c.tick([2], times: 3)
        #expect(c[2].role == .follower)
        #expect(c[2].leader == NodeID(1))
        #expect(c[2].term == Term(1))
    }
}
