import Testing
@testable import RaftCore

@Suite("Membership")
struct MembershipTests {
    @Test("add a learner, let it catch up without voting, then promote it (thesis §4.1, §4.2.1)")
    func addLearnerThenPromote() throws {
        var c = Cluster(voters: [1, 2, 3])
        c.addNode(4, restoring: RestoredState(initialMembership: Membership(voters: [NodeID(1), NodeID(2), NodeID(3)])))
        c.elect(1)
        for k: UInt8 in 0..<5 { _ = try c[1].propose([k]) }
        c.stabilize()
        _ = try c[1].proposeMembershipChange(.addLearner(NodeID(4)))
        // One change at a time.
        #expect(throws: ProposalError.membershipChangePending) {
            _ = try c[1].proposeMembershipChange(.addLearner(NodeID(5)))
        }
        c.stabilize()
        let withLearner = Membership(voters: [NodeID(1), NodeID(2), NodeID(3)], learners: [NodeID(4)])
        for id in c.ids { #expect(c.nodes[id]!.membership == withLearner) }
        #expect(c[4].commitIndex == c[1].commitIndex)
        // A learner never campaigns.
        let term = c[4].term
        c.tick([4], times: 50)
        #expect(c[4].role == .follower)
        #expect(c[4].term == term)
        #expect(throws: ProposalError.invalidMembershipChange("n4 is already a member")) {
            _ = try c[1].proposeMembershipChange(.addLearner(NodeID(4)))
        }
        _ = try c[1].proposeMembershipChange(.promoteLearner(NodeID(4)))
        c.stabilize()
        let four = Membership(voters: [NodeID(1), NodeID(2), NodeID(3), NodeID(4)])
        for id in c.ids { #expect(c.nodes[id]!.membership == four) }
        // Now 4 counts: with 1 and 4 up, 2 and 3 down, nothing commits (quorum is 3).
        c.isolated = [NodeID(2), NodeID(3)]
        let commit = c[1].commitIndex
        _ = try c[1].propose([1])
        c.stabilize()
        #expect(c[1].commitIndex == commit)
        c.isolated = [NodeID(3)]
        c.tick([1], times: 12)
        #expect(c[1].commitIndex > commit)
    }

    @Test("a removed leader keeps replicating until the removal commits, then steps down")
    func removeLeader() throws {
        var c = Cluster(voters: [1, 2, 3])
        c.elect(1)
        let (_, index) = try c[1].proposeMembershipChange(.remove(NodeID(1)))
        c.stabilize()
        #expect(c[1].role == .follower)
        #expect(c[2].commitIndex >= index)
        // It handed over with TimeoutNow: a new leader among the remaining voters.
        #expect(c.leaders.count == 1)
        let leader = try #require(c.leaders.first)
        #expect(leader != NodeID(1))
        #expect(c.nodes[leader]!.membership.voters == [NodeID(2), NodeID(3)])
        _ = try c.nodes[leader]!.propose([5])
        c.stabilize()
        #expect(c.applied[leader]!.last?.data == [5])
        // The removed node never campaigns again.
        c.tick([1], times: 40)
        #expect(c[1].role == .follower)
    }

    @Test("membership follows the log: a truncated membership entry is rolled back")
    func truncationRollsBackMembership() {
        let three = Membership(voters: [NodeID(1), NodeID(2), NodeID(3)])
        var entries = makeLog([1, 1])
        entries.append(Entry(term: Term(1), index: LogIndex(3), kind: .membership,
                             data: MembershipChange.encode(.addLearner(NodeID(9)))))
        var core = RaftCore(config: RaftConfig(id: NodeID(2)),
                            restoring: RestoredState(hardState: HardState(term: Term(1)), entries: entries,
                                                     initialMembership: three), seed: 1)
        #expect(core.membership.learners == [NodeID(9)])
        // Leader of term 2 overwrites index 3.
        core.step(PeerMessage(from: NodeID(1), to: NodeID(2), term: Term(2),
                              body: .append(prevLogIndex: LogIndex(2), prevLogTerm: Term(1),
                                            entries: [Entry(term: Term(2), index: LogIndex(3), kind: .noop)],
                                            leaderCommit: LogIndex(2))))
        #expect(core.membership == three)
        #expect(core.term(at: LogIndex(3)) == Term(2))
    }

    @Test("membership changes are validated")
    func validation() throws {
        var c = Cluster(voters: [1])
        c.elect(1)
        #expect(throws: ProposalError.invalidMembershipChange("cannot remove the last voter")) {
            _ = try c[1].proposeMembershipChange(.remove(NodeID(1)))
        }
        #expect(throws: ProposalError.invalidMembershipChange("n2 is not a learner")) {
            _ = try c[1].proposeMembershipChange(.promoteLearner(NodeID(2)))
        }
        #expect(throws: ProposalError.invalidMembershipChange("n1 is already a voter")) {
            _ = try c[1].proposeMembershipChange(.addVoter(NodeID(1)))
        }
    }

    @Test("a new leader proposes a membership change only after committing an entry of its term")
    func changeWaitsForTermCommit() {
        var c = Cluster(voters: [1, 2, 3])
        c[1].campaign()
        c.processReadies(); c.deliver() // pre-votes
        c.processReadies(); c.deliver() // pre-vote grants
        c.processReadies(); c.deliver() // votes
        c.processReadies(); c.deliver() // grants arrive: leader, no-op not yet committed
        #expect(c[1].role == .leader)
        #expect(throws: ProposalError.membershipChangePending) {
            _ = try c[1].proposeMembershipChange(.addLearner(NodeID(4)))
        }
    }

    @Test("membership change encoding round-trips and rejects garbage")
    func encoding() {
        let changes: [MembershipChange] = [.addVoter(NodeID(1)), .addLearner(NodeID(UInt64.max)),
                                           .promoteLearner(NodeID(300)), .remove(NodeID(0x0102_0304_0506_0708))]
        for change in changes {
            let bytes = MembershipChange.encode(change)
            #expect(bytes.count == 9)
            #expect(MembershipChange.decode(bytes) == change)
        }
        #expect(MembershipChange.decode([]) == nil)
        #expect(MembershipChange.decode([7, 0, 0, 0, 0, 0, 0, 0, 0]) == nil)
        #expect(MembershipChange.decode([1, 0, 0]) == nil)
    }
}

@Suite("Membership quorum")
struct MembershipQuorumTests {
    @Test("a learner's acknowledgements never count toward commit")
    func learnerDoesNotCount() throws {
        var c = Cluster(voters: [1, 2, 3], learners: [4])
        c.elect(1)
        #expect(c[4].commitIndex == LogIndex(1))
        c.isolated = [NodeID(2), NodeID(3)]
        _ = try c[1].propose([1])
        c.stabilize()
        #expect(c[4].lastIndex == LogIndex(2))
        #expect(c[1].commitIndex == LogIndex(1))
    }

    @Test("a removed follower leaves the quorum and never campaigns")
    func removeFollower() throws {
        var c = Cluster(voters: [1, 2, 3])
        c.elect(1)
        _ = try c[1].proposeMembershipChange(.remove(NodeID(3)))
        c.stabilize()
        #expect(c[1].membership.voters == [NodeID(1), NodeID(2)])
        #expect(c[1].peerProgress[NodeID(3)] == nil)
        c.isolated = [NodeID(3)]
        c.tick([3], times: 50)
        #expect(c[3].role == .follower)
        c.isolated = [NodeID(2)]
        _ = try c[1].propose([1])
        c.stabilize()
        #expect(c[1].commitIndex == LogIndex(2)) // quorum of {1, 2} needs 2
        c.isolated = []
        c.tick([1], times: 4)
        #expect(c[1].commitIndex == LogIndex(3))
    }

    @Test("Membership.validated refuses overlapping sets instead of trapping")
    func validatedMembership() {
        #expect(Membership.validated(voters: [NodeID(1)], learners: [NodeID(1)]) == nil)
        #expect(Membership.validated(voters: [NodeID(1)], learners: [NodeID(2)]) != nil)
    }
}
