import Foundation
import HeraldClient
import Testing
import Wire

@Suite("backups and disaster recovery", .serialized)
struct BackupRestoreTests {
    /// Adds a `backup` section (on demand only) to a cluster's configuration file.
    func enableBackups(_ cluster: LocalCluster) throws -> String {
        let directory = cluster.directory.url.appendingPathComponent("backups").path
        var config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: cluster.configPath))) as! [String: Any]
        config["backup"] = ["directory": directory, "intervalMinutes": 0, "keep": 3]
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: cluster.configPath))
        return directory
    }

    @Test("herald backup create, verify and restore seed a new cluster that has every message")
    func backupAndRestoreNewCluster() async throws {
        let original = try LocalCluster(size: 3, name: "original")
        let backups = try enableBackups(original)
        try original.startAll()
        try #require(original.waitForAgreedLeader() != nil, "no leader\n\(original.logTails())")
        let addresses = original.producerAddresses(startingAt: 1)
        let ids = try await HeraldClient.withClient(addresses: addresses) { client in
            var ids: [WireMessageID] = []
            for number in 0..<50 { ids.append(try await enqueueRetrying(client, LocalCluster.envelope(number, key: "k\(number)")).id) }
            try await client.suppressAdd("blocked@example.org", reason: .complaint, source: "test")
            return ids
        }
        try #require(original.waitForConvergence() != nil)

        let created = try HeraldBinaries.run("herald", ["--cluster", original.configPath, "backup", "create"])
        #expect(created.status == 0, "\(created.stderr)")
        #expect(created.stdout.split(separator: "\n").count == 3)
        for node in 1...3 { original.stop(UInt64(node), signal: SIGTERM) }

        let verified = try HeraldBinaries.run("herald", ["--cluster", original.configPath, "backup", "verify", "--node", "2"])
        #expect(verified.status == 0, "\(verified.stderr)")
        #expect(verified.stdout.contains("backup 1: ok"))

        // A new cluster (other ports, other data) seeded from node 2's backup on every node.
        let recovered = try LocalCluster(size: 3, name: "recovered")
        for node in 1...3 {
            let restored = try HeraldBinaries.run("herald", [
                "--cluster", recovered.configPath, "backup", "restore", "--node", "\(node)", "--from", "\(backups)/node-2",
            ])
            #expect(restored.status == 0, "\(restored.stderr)")
        }
        // Restoring again over a seeded node is refused.
        let again = try HeraldBinaries.run("herald", [
            "--cluster", recovered.configPath, "backup", "restore", "--node", "1", "--from", "\(backups)/node-2",
        ])
        #expect(again.status == 1)
        #expect(again.stderr.contains("herald: "))

        try recovered.startAll()
        try #require(recovered.waitForAgreedLeader() != nil, "no leader after restore\n\(recovered.logTails())")
        try await HeraldClient.withClient(addresses: recovered.producerAddresses(startingAt: 1)) { client in
            for id in ids {
                let status = try await retrying { try await client.messageStatus(id) }
                #expect(status.recipients.first?.state == .queued)
            }
            #expect(try await client.suppressCheck("blocked@example.org")?.reason == .complaint)
            // Idempotency keys survived too, and the new cluster accepts new work.
            let retry = try await enqueueRetrying(client, LocalCluster.envelope(0, key: "k0"))
            #expect(retry.duplicate && retry.id == ids[0])
            let fresh = try await enqueueRetrying(client, LocalCluster.envelope(999, key: "new"))
            #expect(!fresh.duplicate)
        }
        #expect(recovered.waitForConvergence() != nil)
    }
}
