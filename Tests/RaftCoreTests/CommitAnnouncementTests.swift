import Testing
@testable import RaftCore

/// How followers learn a commit index that no new entry carries: from the leader's next
/// tick (a heartbeat, or an empty append on a tick without one), never by an extra
/// round trip per commit.
@Suite("Commit announcement")
struct CommitAnnouncementTests {
    /// Counts the appends without entries in a batch of messages.
    private static func emptyAppends(_ messages: [PeerMessage]) -> Int {
        messages.filter { $0.appendEntryCount == 0 }.count
    }

    /// Ticks the leader once and delivers until quiet, without the harness's shortcut.
    private static func tickLeader(_ c: inout Cluster, _ raw: UInt64) {
        c.nodes[NodeID(raw)]!.tick()
        c.stabilize(announcingCommit: false)
    }

    @Test("a commit is not answered with an empty append to every follower; the next heartbeat carries it")
    func heartbeatCarriesCommit() throws {
        var c = Cluster(voters: [1, 2, 3])
        c.elect(1)
        _ = try c[1].propose([1])
        var sentEmpty = 0
        for _ in 0..<100 {
            c.processReadies()
            sentEmpty += Self.emptyAppends(c.wire)
            if !c.deliver() { break }
        }
        #expect(sentEmpty == 0)
        #expect(c[1].commitIndex == LogIndex(2))
        // The append carried the commit index the leader had when it was sent.
        #expect(c[2].commitIndex == LogIndex(1))
        #expect(c[3].commitIndex == LogIndex(1))
        Self.tickLeader(&c, 1)
        #expect(c[2].commitIndex == LogIndex(2))
        #expect(c[3].commitIndex == LogIndex(2))
        #expect(c.applied[NodeID(3)]!.map(\.data).last == [1])
    }

    @Test("with heartbeats every other tick, the tick between announces a commit, and a heartbeat that told it is not repeated")
    func ticksBetweenHeartbeatsAnnounce() throws {
        var c = Cluster(voters: [1, 2, 3]) { $0.heartbeatTicks = 2 }
        c.elect(1)
        _ = try c[1].propose([1])
        c.stabilize(announcingCommit: false)
        #expect(c[2].commitIndex == LogIndex(1))
        // Tick 1 of 2 is not a heartbeat tick: an empty append tells them.
        c.nodes[NodeID(1)]!.tick()
        c.processReadies()
        #expect(Self.emptyAppends(c.wire) == 2)
        c.stabilize(announcingCommit: false)
        #expect(c[2].commitIndex == LogIndex(2))
        #expect(c[3].commitIndex == LogIndex(2))
        _ = try c[1].propose([2])
        c.stabilize(announcingCommit: false)
        #expect(c[1].commitIndex == LogIndex(3))
        #expect(c[2].commitIndex == LogIndex(2))
        // Tick 2 is a heartbeat tick: the heartbeats carry commit 3, and nothing else goes.
        c.nodes[NodeID(1)]!.tick()
        c.processReadies()
        #expect(Self.emptyAppends(c.wire) == 0)
        #expect(c.wire.count == 2)
        c.stabilize(announcingCommit: false)
        #expect(c[2].commitIndex == LogIndex(3))
        #expect(c[3].commitIndex == LogIndex(3))
        // The heartbeat told them: the next tick between heartbeats sends nothing.
        c.nodes[NodeID(1)]!.tick()
        c.processReadies()
        #expect(c.wire.isEmpty)
    }

    @Test("a removed voter whose acknowledgement arrives after its removal committed still learns it, and never campaigns")
    func removedVoterLearnsItsRemoval() throws {
        var c = Cluster(voters: [1, 2, 3])
        c.elect(1)
        let removal = try c[1].proposeMembershipChange(.remove(NodeID(3))).index
        c.processReadies()
        c.deliver()          // the append reaches n2 and n3
        c.processReadies()   // both answer
        let late = c.wire.filter { $0.from == NodeID(3) }
        c.wire.removeAll { $0.from == NodeID(3) }
        c.deliver()          // only n2's answer: the removal commits without n3's
        c.processReadies()   // the leader prunes n3
        #expect(c[1].peerProgress[NodeID(3)] == nil)
        c.send(late)
        c.stabilize(announcingCommit: false)
        #expect(c[3].commitIndex == removal)
        #expect(c[3].membership.voters == [NodeID(1), NodeID(2)])
        c.isolated = [NodeID(3)]
        for _ in 0..<50 { c.nodes[NodeID(3)]!.tick() }
        c.stabilize(announcingCommit: false)
        #expect(c[3].role == .follower)
    }

    @Test("a new learner of an idle leader is probed and caught up from its first heartbeat answer")
    func idleLeaderCatchesUpNewLearner() throws {
        var c = Cluster(voters: [1, 2, 3])
        c.addNode(4, restoring: RestoredState(initialMembership: Membership(voters: [NodeID(1), NodeID(2), NodeID(3)])))
        c.elect(1)
        for k: UInt8 in 0..<3 { _ = try c[1].propose([k]) }
        c.stabilize()
        _ = try c[1].proposeMembershipChange(.addLearner(NodeID(4)))
        c.stabilize(announcingCommit: false)
        #expect(c[4].lastIndex == LogIndex(0))
        Self.tickLeader(&c, 1)
        #expect(c[4].lastIndex == c[1].lastIndex)
        #expect(c[4].commitIndex == c[1].commitIndex)
    }
}
