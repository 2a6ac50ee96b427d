import Foundation
import HeraldClient
import Testing
import Wire

@Suite("backups and disaster recovery", .serialized)
struct BackupRestoreTests {
    /// Adds a `backup` section (on demand only) to a cluster's configuration file.
    func enableBackups(_ cluster: LocalCluster) throws -> String {
        let directory = cluster.directory.url.appendingPathComponent("backups").path
        try cluster.editConfig { $0["backup"] = ["directory": directory, "intervalMinutes": 0, "keep": 3] }
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
        var restoredLines: [String] = []
        for node in 1...3 {
            let restored = try HeraldBinaries.run("herald", [
                "--cluster", recovered.configPath, "backup", "restore", "--node", "\(node)", "--from", "\(backups)/node-2",
                "--id", "1",
            ])
            #expect(restored.status == 0, "\(restored.stderr)")
            restoredLines.append(restored.stdout)
        }
        // Restoring again over a seeded node is refused.
        let again = try HeraldBinaries.run("herald", [
            "--cluster", recovered.configPath, "backup", "restore", "--node", "1", "--from", "\(backups)/node-2", "--id", "1",
        ])
        #expect(again.status == 1)
        #expect(again.stderr.contains("is not empty (it holds raft, state)"), "\(again.stderr)")
        // Every node says the same applied index and digest.
        let summaries = restoredLines.map { $0.components(separatedBy: ": ").last ?? "" }
        #expect(Set(summaries).count == 1 && summaries[0].hasPrefix("applied index "), "\(restoredLines)")

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

    @Test("restore refuses a used or half-restored data directory and a mistyped backup directory; heraldd refuses a half-restored one")
    func restoreRefusals() async throws {
        let original = try LocalCluster(size: 1, name: "single")
        let backups = try enableBackups(original)
        try original.startAll()
        try #require(original.waitForAgreedLeader() != nil, "no leader\n\(original.logTails())")
        try await HeraldClient.withClient(addresses: original.producerAddresses(startingAt: 1)) { client in
            _ = try await enqueueRetrying(client, LocalCluster.envelope(1, key: "one"))
        }
        let created = try HeraldBinaries.run("herald", ["--cluster", original.configPath, "backup", "create"])
        try #require(created.status == 0, "\(created.stderr)")
        original.stop(1, signal: SIGTERM)

        let target = try LocalCluster(size: 1, name: "target")
        let dataDirectory = target.directory.url.appendingPathComponent("data/node-1").path
        func restore(from directory: String = "\(backups)/node-1") throws -> (status: Int32, stderr: String) {
            let outcome = try HeraldBinaries.run("herald", [
                "--cluster", target.configPath, "backup", "restore", "--node", "1", "--from", directory, "--id", "1",
            ])
            return (outcome.status, outcome.stderr)
        }

        // A mistyped backup directory is an error, and is not created.
        let typo = target.directory.url.appendingPathComponent("no-such-backups").path
        let mistyped = try restore(from: typo)
        #expect(mistyped.status == 1 && mistyped.stderr.contains("no backup directory at \(typo)"), "\(mistyped.stderr)")
        #expect(!FileManager.default.fileExists(atPath: typo))
        let verifyTypo = try HeraldBinaries.run("herald", ["--cluster", target.configPath, "backup", "verify", "--node", "1", "--from", typo])
        #expect(verifyTypo.status == 1 && verifyTypo.stderr.contains("no backup directory"), "\(verifyTypo.stderr)")

        // A directory with an old log (the state already cleared by hand) is refused
        // before anything is written.
        try FileManager.default.createDirectory(atPath: dataDirectory + "/raft", withIntermediateDirectories: true)
        let used = try restore()
        #expect(used.status == 1 && used.stderr.contains("is not empty (it holds raft)"), "\(used.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dataDirectory + "/state"))
        try FileManager.default.removeItem(atPath: dataDirectory + "/raft")

        // A restore cut short (its mark still there, part of the state copied) is refused
        // by a second restore and by heraldd, with what to do.
        try FileManager.default.createDirectory(atPath: dataDirectory + "/state", withIntermediateDirectories: true)
        try Data("restoring backup 1\n".utf8).write(to: URL(fileURLWithPath: dataDirectory + "/RESTORING"))
        let again = try restore()
        #expect(again.status == 1 && again.stderr.contains("holds an interrupted restore"), "\(again.stderr)")
        try target.start(1)
        #expect(waitUntil(timeout: .seconds(30)) { !target.isRunning(1) }, "heraldd started on a half-restored directory")
        let log = try String(contentsOf: target.directory.url.appendingPathComponent("node-1.log"), encoding: .utf8)
        #expect(log.contains("holds an interrupted restore (RESTORING is still there)"), "\(log)")

        // Emptied, the restore goes through and leaves no mark; the node starts with the message.
        try FileManager.default.removeItem(atPath: dataDirectory)
        let done = try restore()
        #expect(done.status == 0, "\(done.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dataDirectory + "/RESTORING"))
        try target.start(1)
        try #require(target.waitForAgreedLeader() != nil, "no leader after restore\n\(target.logTails())")
        let retry = try await HeraldClient.withClient(addresses: target.producerAddresses(startingAt: 1)) { client in
            try await enqueueRetrying(client, LocalCluster.envelope(1, key: "one"))
        }
        #expect(retry.duplicate, "the restored node lost the idempotency key")

        // A backup whose metadata was never written (taking it was interrupted) is listed
        // as such, not with applied index 0; a restore still works and finds the index.
        func list(_ extra: [String] = []) throws -> String {
            let outcome = try HeraldBinaries.run("herald", ["--cluster", target.configPath, "backup", "list", "--node", "1",
                                                            "--from", "\(backups)/node-1"] + extra)
            #expect(outcome.status == 0, "\(outcome.stderr)")
            return outcome.stdout
        }
        let complete = try list()
        #expect(complete.contains("applied "), "\(complete)")
        let completeJSON = try list(["--json"])
        #expect(completeJSON.contains("\"metadata\":true"), "\(completeJSON)")
        try FileManager.default.removeItem(atPath: "\(backups)/node-1/herald/1.meta")
        let listed = try list()
        #expect(listed.contains("applied ? (NO METADATA"), "\(listed)")
        let listedJSON = try list(["--json"])
        #expect(listedJSON.contains("\"appliedIndex\":null") && listedJSON.contains("\"metadata\":false"), "\(listedJSON)")
        target.stop(1, signal: SIGTERM)
        try FileManager.default.removeItem(atPath: dataDirectory)
        let withoutMetadata = try HeraldBinaries.run("herald", [
            "--cluster", target.configPath, "backup", "restore", "--node", "1", "--from", "\(backups)/node-1", "--id", "1",
        ])
        #expect(withoutMetadata.status == 0 && withoutMetadata.stdout.contains("applied index"),
                "\(withoutMetadata.stdout)\(withoutMetadata.stderr)")
    }
}
