import Testing
@testable import RaftCore

@Suite("Replication")
struct ReplicationTests {
    @Test("proposals replicate, commit and apply in order on every node")
    func replicateAndCommit() throws {
        var c = Cluster(voters: [1, 2, 3])
        c.elect(1)
        for k: UInt8 in 0..<20 { _ = try c[1].propose([k]) }
        c.stabilize()
        let expected = [[]] + (0..<20).map { [UInt8($0)] }
        for id in c.ids {
            #expect(c.nodes[id]!.commitIndex == LogIndex(21))
            #expect(c.applied[id]!.map(\.data) == expected)
        }
    }

    @Test("a proposal at a follower is refused with the leader's id")
    func proposalAtFollower() {
        var c = Cluster(voters: [1, 2, 3])
        c.elect(1)
        #expect(throws: ProposalError.notLeader(hint: NodeID(1))) { _ = try c[2].propose([1]) }
        var lone = Cluster(voters: [1, 2, 3])
        #expect(throws: ProposalError.notLeader(hint: nil)) { _ = try lone[2].propose([1]) }
    }

    @Test("the leader sends appends before its own write is durable and counts itself only after advance")
    func leaderCountsItselfAfterAdvance() throws {
        var c = Cluster(voters: [1, 2, 3])
        c.elect(1)
        _ = try c[1].propose([7])
        let ready = c[1].takeReady()!
        #expect(ready.entries.map(\.index) == [LogIndex(2)])
        #expect(ready.messages.contains { $0.appendEntryCount == 1 })
        // Both followers acknowledge before the leader's write is done: commit by them.
        c.send(ready.messages)
        c.deliver()
        c.processReadies()
        c.deliver()
        #expect(c[1].commitIndex == LogIndex(2))
        // But the leader does not apply an entry it has not persisted itself.
        let next = c[1].takeReady()
        #expect(next?.committedEntries.isEmpty ?? true)
        c.nodes[NodeID(1)]!.advance(ready)
        let after = c[1].takeReady()!
        #expect(after.committedEntries.map(\.index) == [LogIndex(2)])
    }

    @Test("§5.4.2 Figure 8: a leader never commits an entry of an older term by counting replicas")
    func figure8() {
        let membership = Membership(voters: [NodeID(1), NodeID(2), NodeID(3)])
        var core = RaftCore(config: RaftConfig(id: NodeID(1)),
                            restoring: RestoredState(hardState: HardState(term: Term(3)), entries: makeLog([1, 2]),
                                                     initialMembership: membership), seed: 1)
        makeLeader(&core, others: [2, 3])
        #expect(core.role == .leader)
        #expect(core.term == Term(4))
        core.advance(core.takeReady()!) // the no-op at index 3 is durable here
        // Node 2 now stores index 2 (term 2): a majority holds it, but it is of an old term.
        core.step(PeerMessage(from: NodeID(2), to: NodeID(1), term: Term(4),
                              body: .appendResponse(success: true, matchIndex: LogIndex(2), rejectHint: .zero, rejectHintTerm: .zero)))
        #expect(core.commitIndex == .zero)
        // Once the current term's no-op is on a majority, both commit together.
        core.step(PeerMessage(from: NodeID(2), to: NodeID(1), term: Term(4),
                              body: .appendResponse(success: true, matchIndex: LogIndex(3), rejectHint: .zero, rejectHintTerm: .zero)))
        #expect(core.commitIndex == LogIndex(3))
    }

    @Test("§5.3 Figure 7: divergent follower logs converge to the leader's")
    func figure7() throws {
        let leaderLog: [UInt64] = [1, 1, 1, 4, 4, 5, 5, 6, 6, 6]
        let followers: [UInt64: [UInt64]] = [
            2: [1, 1, 1, 4, 4, 5, 5, 6, 6],          // (a) missing entries
            3: [1, 1, 1, 4],                          // (b)
            4: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6],     // (c) extra entry
            5: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7],  // (d) extra uncommitted term
            6: [1, 1, 1, 4, 4, 4, 4],                 // (e)
            7: [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3],     // (f)
        ]
        let membership = Membership(voters: Set((1...7).map { NodeID(UInt64($0)) }))
        var c = Cluster(voters: [])
        c.addNode(1, restoring: RestoredState(hardState: HardState(term: Term(8)), entries: makeLog(leaderLog),
                                              initialMembership: membership))
        for (id, terms) in followers {
            c.addNode(id, restoring: RestoredState(hardState: HardState(term: Term(7)), entries: makeLog(terms),
                                                   initialMembership: membership))
        }
        c.elect(1)
        #expect(c[1].role == .leader)
        _ = try c[1].propose([42])
        c.stabilize()
        let expected = c.logTerms(1)
        #expect(expected.count == 12)
        for id: UInt64 in 2...7 {
            #expect(c.logTerms(id) == expected, "node \(id)")
            #expect(c[id].commitIndex == LogIndex(12))
        }
    }

    @Test("fast backtracking skips a whole divergent term per round trip")
    func fastBacktracking() {
        let leaderLog: [UInt64] = [1] + Array(repeating: 3, count: 50)
        let staleLog: [UInt64] = [1] + Array(repeating: 2, count: 60)
        let membership = Membership(voters: [NodeID(1), NodeID(2), NodeID(3)])
        var c = Cluster(voters: [])
        c.addNode(1, restoring: RestoredState(hardState: HardState(term: Term(3)), entries: makeLog(leaderLog),
                                              initialMembership: membership))
        c.addNode(3, restoring: RestoredState(hardState: HardState(term: Term(3)), entries: makeLog(leaderLog),
                                              initialMembership: membership))
        c.addNode(2, restoring: RestoredState(hardState: HardState(term: Term(3)), entries: makeLog(staleLog),
                                              initialMembership: membership))
        c.elect(1)
        let rejections = c.trace.filter { $0.from == NodeID(2) && $0.isRejectedAppend }.count
        #expect(rejections <= 2)
        #expect(c.logTerms(2) == c.logTerms(1))
    }

    @Test("flow control: at most maxInflightMessages appends are in flight to a silent follower")
    func inflightMessageCap() throws {
        var c = Cluster(voters: [1, 2, 3]) {
            $0.maxInflightMessages = 2
            $0.maxMessageBytes = 10
        }
        c.elect(1)
        c.drop = { $0.from == NodeID(2) }
        c.trace = []
        for _ in 0..<10 { _ = try c[1].propose(Array(repeating: 1, count: 10)) }
        c.stabilize()
        let toTwo = c.trace.filter { $0.to == NodeID(2) && ($0.appendEntryCount ?? 0) > 0 }
        #expect(toTwo.count == 2)
        #expect(c[1].peerProgress[NodeID(2)]?.inflightMessages == 2)
        #expect(c[1].commitIndex == LogIndex(11)) // node 3 keeps up
        // When node 2 answers again, the stream resumes and it catches up.
        c.drop = { _ in false }
        c.tick([1], times: 3)
        #expect(c[2].commitIndex == LogIndex(11))
    }

    @Test("flow control: maxInflightBytes bounds the bytes in flight")
    func inflightByteCap() throws {
        var c = Cluster(voters: [1, 2, 3]) {
            $0.maxInflightMessages = 100
            $0.maxInflightBytes = 25
            $0.maxMessageBytes = 10
        }
        c.elect(1)
        c.drop = { $0.from == NodeID(2) }
        c.trace = []
        for _ in 0..<10 { _ = try c[1].propose(Array(repeating: 1, count: 10)) }
        c.stabilize()
        #expect(c.trace.filter { $0.to == NodeID(2) && ($0.appendEntryCount ?? 0) > 0 }.count == 3)
    }

    @Test("batching: proposals between two Readies go out in one append per follower")
    func batching() throws {
        var c = Cluster(voters: [1, 2, 3])
        c.elect(1)
        c.trace = []
        for k: UInt8 in 0..<50 { _ = try c[1].propose([k]) }
        c.processReadies()
        let appends = c.trace.filter { $0.appendEntryCount != nil }
        #expect(appends.count == 2)
        #expect(appends.allSatisfy { $0.appendEntryCount == 50 })
    }

    @Test("the leader refuses proposals beyond maxUncommittedBytes and oversize entries")
    func overloadAndTooLarge() throws {
        var c = Cluster(voters: [1, 2, 3]) {
            $0.maxUncommittedBytes = 100
            $0.maxMessageBytes = 10
        }
        c.elect(1)
        c.isolated = [NodeID(2), NodeID(3)]
        for _ in 0..<10 { _ = try c[1].propose(Array(repeating: 0, count: 10)) }
        #expect(throws: ProposalError.overloaded(uncommittedBytes: 100, limit: 100)) {
            _ = try c[1].propose(Array(repeating: 0, count: 10))
        }
        #expect(throws: ProposalError.tooLarge(bytes: 11, limit: 10)) {
            _ = try c[1].propose(Array(repeating: 0, count: 11))
        }
        // Once they commit, the budget is free again.
        c.isolated = []
        // The stream to each follower lost 10 appends; it resyncs within an election timeout.
        c.tick([1], times: 12)
        #expect(c[1].commitIndex == LogIndex(11))
        #expect(c[1].uncommittedEntryBytes == 0)
        _ = try c[1].propose(Array(repeating: 0, count: 10))
    }

    @Test("a follower applies only committed entries it has persisted")
    func followerAppliesOnlyStable() throws {
        var c = Cluster(voters: [1, 2, 3])
        c.elect(1)
        _ = try c[1].propose([1])
        c.stabilize()
        #expect(c.applied[NodeID(2)]!.count == 2)
        #expect(c[2].appliedIndex == LogIndex(2))
    }

    @Test("a restarted node resumes from its durable state and applies nothing twice")
    func restart() throws {
        var c = Cluster(voters: [1, 2, 3])
        c.elect(1)
        for k: UInt8 in 0..<5 { _ = try c[1].propose([k]) }
        c.stabilize()
        let store = c.stores[NodeID(2)]!
        let membership = c[2].membership
        c.addNode(2, restoring: RestoredState(hardState: store.hardState, entries: store.entries,
                                              initialMembership: membership, applied: LogIndex(6)))
        #expect(c[2].lastIndex == LogIndex(6))
        #expect(c[2].term == c[1].term)
        _ = try c[1].propose([9])
        c.tick([1], times: 2)
        #expect(c.applied[NodeID(2)]!.map(\.index) == [LogIndex(7)])
    }
}

/// Drives a lone core through pre-vote and vote with fabricated grants.
func makeLeader(_ core: inout RaftCore, others: [UInt64]) {
    core.campaign()
    let preTerm = Term(core.term.rawValue + 1)
    for id in others {
        core.step(PeerMessage(from: NodeID(id), to: core.id, term: preTerm, body: .preVoteResponse(granted: true)))
    }
    // The candidate's term and self-vote must be durable before it may win.
    if let ready = core.takeReady() { core.advance(ready) }
    for id in others {
        core.step(PeerMessage(from: NodeID(id), to: core.id, term: core.term, body: .requestVoteResponse(granted: true)))
    }
}

@Suite("Heartbeats and Ready")
struct HeartbeatAndReadyTests {
    @Test("heartbeats carry min(follower match, leader commit)")
    func heartbeatCommitIsBoundedByMatch() throws {
        var c = Cluster(voters: [1, 2, 3])
        c.elect(1)
        c.isolated = [NodeID(3)]
        for k: UInt8 in 0..<3 { _ = try c[1].propose([k]) }
        c.stabilize()
        #expect(c[1].commitIndex == LogIndex(4))
        c.isolated = []
        c.drop = { if case .append = $0.body { $0.to == NodeID(3) } else { false } }
        c.trace = []
        c.tick([1])
        let beats = c.trace.compactMap { m -> (NodeID, LogIndex)? in
            if case .heartbeat(let commit, _) = m.body { (m.to, commit) } else { nil }
        }
        #expect(beats.contains { $0 == (NodeID(2), LogIndex(4)) })
        #expect(beats.contains { $0 == (NodeID(3), LogIndex(1)) })
        #expect(c[3].commitIndex == LogIndex(1))
    }

    @Test("takeReady returns nil when there is nothing to do")
    func idleReadyIsNil() {
        var c = Cluster(voters: [1, 2, 3])
        #expect(c[1].takeReady() == nil)
        c.elect(1)
        for id in c.ids { #expect(c.nodes[id]!.takeReady() == nil) }
    }
}
