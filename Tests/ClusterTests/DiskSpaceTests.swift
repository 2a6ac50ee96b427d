import Foundation
import HeraldClient
import Testing
import Wire

/// A cluster whose data disks are "nearly full" (a minimum free space no disk has):
/// the leader refuses new mail with `insufficientStorage` and carries on with
/// everything else, and its status and metrics say why.
@Suite("a nearly full data disk", .serialized)
struct DiskSpaceTests {
    /// `insufficientStorage` in docs/protocol.md.
    private static let insufficientStorage: UInt16 = 15

    @Test("enqueues are refused with insufficientStorage; suppressions, reads and the node go on")
    func refusesNewMail() async throws {
        let cluster = try LocalCluster(size: 3, name: "fulldisk")
        try cluster.editConfig { $0["storage"] = ["minFreeMegabytes": 1 << 30] }  // 1 PiB
        try cluster.startAll()
        let leader = try #require(cluster.waitForAgreedLeader(), "no leader\n\(cluster.logTails())")

        // Through a follower too: it forwards, and the leader's disk decides.
        let follower = try #require(cluster.nodes.map(\.id).first { $0 != leader })
        for first in [leader, follower] {
            try await HeraldClient.withClient(addresses: cluster.producerAddresses(startingAt: first)) { client in
                let error = try await Self.refusal { try await client.enqueue(LocalCluster.envelope(1, key: "full-\(first)")) }
                #expect(error.producerError?.code.rawValue == Self.insufficientStorage, "\(error)")
                #expect(error.producerError?.detail.contains("below storage.minFreeMegabytes (1073741824 MiB)") == true,
                        "\(error)")
                #expect(error.isRetryable)
                let batch = try await retrying { try await client.enqueueBatch([LocalCluster.envelope(2), LocalCluster.envelope(3)]) }
                #expect(batch.allSatisfy { result in
                    if case .failure(let refused) = result { refused.code.rawValue == Self.insufficientStorage } else { false }
                }, "\(batch)")
                try await retrying { try await client.suppressAdd("blocked-\(first)@example.org", reason: .manual, source: "test") }
                #expect(try await client.suppressCheck("blocked-\(first)@example.org")?.reason == .manual)
            }
        }

        let status = try #require(cluster.status(leader))
        #expect(status["dataDiskLow"] as? Bool == true)
        #expect((status["dataDiskFreeBytes"] as? Int ?? 0) > 0)
        #expect(status["minFreeBytes"] as? Int == 1 << 50)
        let metrics = try #require(LocalPorts.get(port: cluster.node(leader).httpPort, path: "/metrics"))
        #expect(metrics.body.contains("herald_data_disk_low{node=\"\(leader)\"} 1.0"), "\(metrics.body)")
        #expect(metrics.body.contains("herald_data_disk_free_bytes{node=\"\(leader)\"}"))
        for node in cluster.nodes {
            #expect(cluster.isRunning(node.id), "node \(node.id) stopped\n\(cluster.logTails())")
        }
        #expect(cluster.waitForConvergence() != nil)
    }

    /// The first refusal that is not a passing one (an election, a forwarding hiccup).
    private static func refusal(_ request: () async throws -> some Any) async throws -> HeraldClientError {
        let deadline = ContinuousClock.now + .seconds(30)
        while true {
            do {
                let accepted = try await request()
                throw AcceptedOnFullDisk(description: "accepted on a full disk: \(accepted)")
            } catch let error as HeraldClientError {
                let passing = error.isRetryable && error.producerError?.code.rawValue != Self.insufficientStorage
                guard passing, ContinuousClock.now < deadline else { return error }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    private struct AcceptedOnFullDisk: Error, CustomStringConvertible {
        var description: String
    }
}
