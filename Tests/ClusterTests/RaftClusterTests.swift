import Foundation
import Testing

@Suite("Raft across real heraldd processes", .serialized)
struct RaftClusterTests {
    @Test("three nodes elect one leader; after SIGKILL a new one takes over and the old one rejoins")
    func electionAndFailover() throws {
        let cluster = try LocalCluster(size: 3)
        try cluster.startAll()
        let first = cluster.waitForAgreedLeader()
        try #require(first != nil, "no leader elected\n\(cluster.logTails())")
        let firstTerm = cluster.status(first!)?["term"] as? Int ?? 0

        cluster.stop(first!, signal: SIGKILL)
        let second = cluster.waitForAgreedLeader()
        try #require(second != nil, "no leader after killing \(first!)\n\(cluster.logTails())")
        #expect(second != first)
        let secondTerm = cluster.status(second!)?["term"] as? Int ?? 0
        #expect(secondTerm > firstTerm)

        try cluster.start(first!)
        let rejoined = waitUntil {
            guard let status = cluster.status(first!), let leaderStatus = cluster.status(second!) else { return false }
            return status["leader"] as? Int == Int(second!)
                && status["commitIndex"] as? Int == leaderStatus["commitIndex"] as? Int
                && status["appliedIndex"] as? Int == leaderStatus["appliedIndex"] as? Int
        }
        #expect(rejoined, "node \(first!) did not catch up\n\(cluster.logTails())")
    }

    @Test("when the leader's process dies, the followers elect a new leader well before an election timeout")
    func processDeathFailsOverFast() throws {
        // A long election timeout (4–8 s) that only the peer-down path can beat.
        let cluster = try LocalCluster(size: 3, name: "fast", electionTicks: 40, tickMilliseconds: 100)
        try cluster.startAll()
        let first = try #require(cluster.waitForAgreedLeader(), "no leader elected\n\(cluster.logTails())")
        cluster.stop(first, signal: SIGKILL)
        let killed = ContinuousClock.now
        let second = try #require(cluster.waitForAgreedLeader(timeout: .seconds(20)), "no leader after the kill\n\(cluster.logTails())")
        let took = ContinuousClock.now - killed
        #expect(second != first)
        #expect(took < .seconds(3), "took \(took) (the election timeout is 4–8 s)\n\(cluster.logTails())")
        #expect(cluster.logTails(lines: 200).contains("peer process is gone"), "\(cluster.logTails())")
    }

    @Test("a process that is not a member cannot join the peer traffic")
    func strangerRefused() throws {
        let cluster = try LocalCluster(size: 3, name: "members")
        try cluster.startAll()
        try #require(cluster.waitForAgreedLeader() != nil, "no leader\n\(cluster.logTails())")
        // A process of another cluster, and one claiming an id that is not a member.
        let reply = PeerProbe.hello(port: cluster.node(1).peerPort, clusterName: "strangers", from: 1, to: 1)
        #expect(reply?.kind == 3, "expected a refusal frame")
        #expect(reply?.text.contains("cluster \"strangers\" is not this cluster") == true)
        let nonMember = PeerProbe.hello(port: cluster.node(1).peerPort, clusterName: "members", from: 42, to: 1)
        #expect(nonMember?.kind == 3)
        #expect(nonMember?.text.contains("node n42 is not a member of this cluster") == true)
        #expect(cluster.waitForAgreedLeader() != nil)
    }
}
