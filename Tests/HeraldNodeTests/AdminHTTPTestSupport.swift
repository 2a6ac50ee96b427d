import HeraldConfig
@testable import HeraldNode
import NIOCore
import NIOPosix
import RaftCore
import Testing

/// Helpers for the tests that run the admin endpoint over real loopback HTTP.
enum AdminHTTPTestSupport {
    /// The status of a follower of a one-voter cluster that knows no leader.
    static let followerStatus = NodeStatus(
        clusterName: "test", region: "local",
        raft: RaftStatus(id: NodeID(1), role: .follower, term: Term(1), leader: nil, commitIndex: .zero,
                         appliedIndex: .zero, lastIndex: .zero, membership: Membership(voters: [NodeID(1)])),
        stateDigest: 0, connectedPeers: [], uptimeSeconds: 0)

    /// A loopback port nothing listens on (bound once and released).
    static func freePort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(channel.localAddress?.port)
        try await channel.close()
        return port
    }

    /// Waits (10 s at most) until `/healthz` answers 200.
    static func waitUntilServing(_ endpoint: Endpoint) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if let response = try? await NodeAdminClient.request(endpoint, path: "/healthz"), response.status == 200 {
                return
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("the admin endpoint at \(endpoint) did not answer within 10 s")
        throw CancellationError()
    }
}
