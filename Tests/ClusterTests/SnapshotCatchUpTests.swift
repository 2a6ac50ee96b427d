import Foundation
import HeraldClient
import Testing
import Wire

@Suite("log compaction and snapshot install", .serialized)
struct SnapshotCatchUpTests {
    /// A node's status field as an integer.
    func field(_ cluster: LocalCluster, _ node: UInt64, _ name: String) -> Int? {
        cluster.status(node)?[name] as? Int
    }

    @Test("a follower behind the compacted log installs the leader's snapshot, then leads with that state")
    func followerCatchesUpFromSnapshot() async throws {
        let cluster = try LocalCluster(size: 3, name: "snapshots", snapshotEntries: 40)
        try cluster.startAll()
        let leader = try #require(cluster.waitForAgreedLeader(), "no leader\n\(cluster.logTails())")
        let followers = cluster.nodes.map(\.id).filter { $0 != leader }
        let (lagging, other) = (followers[0], followers[1])
        cluster.stop(lagging)

        // Enough entries for several snapshots while `lagging` is down.
        let ids = try await HeraldClient.withClient(addresses: cluster.producerAddresses(startingAt: leader)) { client in
            var ids: [WireMessageID] = []
            for number in 0..<200 { ids.append(try await enqueueRetrying(client, LocalCluster.envelope(number)).id) }
            return ids
        }
        #expect(waitUntil(timeout: .seconds(30)) { (field(cluster, leader, "snapshotIndex") ?? 0) >= 120 },
                "the leader never compacted its log\n\(cluster.logTails())")
        let snapshotDirectory = cluster.directory.url.appendingPathComponent("data/node-\(leader)/snapshots").path
        #expect(waitUntil(timeout: .seconds(30)) {
            ((try? FileManager.default.contentsOfDirectory(atPath: snapshotDirectory)) ?? []).contains { !$0.hasSuffix(".partial") }
        }, "no sealed snapshot in \(snapshotDirectory)")

        // The snapshot endpoint answers 410 for a snapshot older than the newest it keeps
        // (replaced), 404 for one it does not keep (perhaps not sealed yet), and 404 for a
        // request it does not serve (a range over 8 MiB, a malformed path).
        let httpPort = cluster.node(leader).httpPort
        #expect(LocalPorts.get(port: httpPort, path: "/v1/snapshots/1-999/manifest")?.status == 410)
        #expect(LocalPorts.get(port: httpPort, path: "/v1/snapshots/1-1/files/0?offset=0&length=10")?.status == 410)
        #expect(LocalPorts.get(port: httpPort, path: "/v1/snapshots/1-1/files/0?offset=0&length=999999999")?.status == 404)
        #expect(LocalPorts.get(port: httpPort, path: "/v1/snapshots/999999-1/manifest")?.status == 404)
        #expect(LocalPorts.get(port: httpPort, path: "/v1/snapshots/junk/files/x")?.status == 404)
        // Offsets past a kept file's end: 416, and one beyond any file (it crashed the node
        // in a seek) is not a snapshot request at all.
        let kept = try #require(try FileManager.default.contentsOfDirectory(atPath: snapshotDirectory)
            .first { $0.wholeMatch(of: /[0-9]+-[0-9]+/) != nil })
        #expect(LocalPorts.get(port: httpPort, path: "/v1/snapshots/\(kept)/files/0?offset=\(UInt64(1) << 40)&length=10")?.status == 416)
        #expect(LocalPorts.get(port: httpPort, path: "/v1/snapshots/\(kept)/files/0?offset=18446744073709551615&length=10")?.status == 404)
        #expect(LocalPorts.get(port: httpPort, path: "/healthz")?.status == 200, "the leader died\n\(cluster.logTails())")
        // /metrics counts what the leader dropped for the stopped follower.
        let metrics = LocalPorts.get(port: httpPort, path: "/metrics")?.body ?? ""
        #expect(metrics.contains("herald_peer_batches_dropped_total{node=\"\(leader)\",peer=\"\(lagging)\"}"), "\(metrics)")

        // The lagging node's next entry is gone from every log: only a snapshot brings it back.
        try cluster.start(lagging)
        let converged = cluster.waitForConvergence(timeout: .seconds(60))
        try #require(converged != nil, "no convergence\n\(cluster.logTails())")
        let laggingLog = try String(contentsOf: cluster.directory.url.appendingPathComponent("node-\(lagging).log"), encoding: .utf8)
        #expect(laggingLog.contains("snapshot installed"), "\(cluster.logTails())")
        #expect((field(cluster, lagging, "snapshotIndex") ?? 0) > 0)
        // /metrics counts the install, and the log's fsyncs.
        let laggingMetrics = LocalPorts.get(port: cluster.node(lagging).httpPort, path: "/metrics")?.body ?? ""
        #expect(counter(in: laggingMetrics, "herald_snapshot_installs_total{node=\"\(lagging)\"}").map { $0 >= 1 } == true,
                "\(laggingMetrics)")
        #expect(counter(in: laggingMetrics, "herald_log_fsyncs_total{node=\"\(lagging)\"}").map { $0 >= 1 } == true,
                "\(laggingMetrics)")

        // Make the snapshot-installed node the only one with the newest entry, then take
        // the old leader away: the new leader must be `lagging`, and it serves every message.
        cluster.stop(other, signal: SIGTERM)
        let last = try await HeraldClient.withClient(addresses: cluster.producerAddresses(startingAt: leader)) { client in
            try await enqueueRetrying(client, LocalCluster.envelope(1_000)).id
        }
        #expect(waitUntil(timeout: .seconds(20)) {
            field(cluster, lagging, "appliedIndex") == field(cluster, leader, "appliedIndex")
        })
        cluster.stop(leader)
        try cluster.start(other)
        #expect(cluster.waitForAgreedLeader(timeout: .seconds(30)) == lagging, "\(cluster.logTails())")
        try await HeraldClient.withClient(addresses: cluster.producerAddresses(startingAt: lagging)) { client in
            for id in ids + [last] {
                let status = try await retrying { try await client.messageStatus(id) }
                #expect(status.recipients.first?.state == .queued)
            }
        }

        // A node restarted after compacting starts from its own kept snapshot.
        cluster.stop(lagging)
        try cluster.start(lagging)
        try cluster.start(leader)
        #expect(cluster.waitForConvergence(timeout: .seconds(60)) != nil, "\(cluster.logTails())")
    }

    @Test("a node whose snapshots cannot be sealed keeps its log, goes on, and compacts once they can")
    func failedSealKeepsTheLog() async throws {
        let cluster = try LocalCluster(size: 3, name: "sealfails", snapshotEntries: 40)
        let failing: UInt64 = 3
        for node in cluster.nodes.map(\.id) {
            try cluster.start(node, environment: node == failing ? ["HERALD_FAILPOINT": "snapshot-seal-fails"] : [:])
        }
        try #require(cluster.waitForAgreedLeader() != nil, "no leader\n\(cluster.logTails())")
        try await HeraldClient.withClient(addresses: cluster.producerAddresses(startingAt: 1)) { client in
            for number in 0..<150 { _ = try await enqueueRetrying(client, LocalCluster.envelope(number)) }
        }
        let logPath = cluster.directory.url.appendingPathComponent("node-\(failing).log")
        #expect(waitUntil(timeout: .seconds(30)) {
            ((try? String(contentsOf: logPath, encoding: .utf8)) ?? "").contains("snapshot could not be sealed")
        }, "\(cluster.logTails())")
        let healthy = try #require(cluster.nodes.map(\.id).first { $0 != failing })
        #expect(waitUntil(timeout: .seconds(30)) { (field(cluster, healthy, "snapshotIndex") ?? 0) >= 80 })
        // Its log was never compacted to a snapshot it does not have, and it kept up.
        try #require(cluster.waitForConvergence() != nil, "\(cluster.logTails())")
        #expect(field(cluster, failing, "snapshotIndex") == 0)
        // (A checkpoint of the next attempt may be under way: `next.partial`.)
        let sealed = try FileManager.default.contentsOfDirectory(
            atPath: cluster.directory.url.appendingPathComponent("data/node-\(failing)/snapshots").path)
            .filter { $0.wholeMatch(of: /[0-9]+-[0-9]+/) != nil }
        #expect(sealed.isEmpty, "\(sealed)")
        // A failed seal waits a whole interval (40 entries here) before the next try: a
        // few failures for ~170 entries, not one per loop iteration.
        let failures = try String(contentsOf: logPath, encoding: .utf8).components(separatedBy: "snapshot could not be sealed").count - 1
        #expect((1...8).contains(failures), "\(failures) failed seals")

        // Restarted without the fault, it snapshots and compacts like the others.
        cluster.stop(failing, signal: SIGTERM)
        try cluster.start(failing)
        try await HeraldClient.withClient(addresses: cluster.producerAddresses(startingAt: 1)) { client in
            for number in 150..<250 { _ = try await enqueueRetrying(client, LocalCluster.envelope(number)) }
        }
        #expect(waitUntil(timeout: .seconds(30)) { (field(cluster, failing, "snapshotIndex") ?? 0) > 0 },
                "\(cluster.logTails())")
        #expect(cluster.waitForConvergence() != nil, "\(cluster.logTails())")
    }

    @Test("a node whose state store is behind the snapshot its log starts from refuses to start")
    func stateBehindLogRefused() async throws {
        let cluster = try LocalCluster(size: 1, name: "behind", snapshotEntries: 40)
        try cluster.startAll()
        try #require(cluster.waitForAgreedLeader() != nil, "no leader\n\(cluster.logTails())")
        try await HeraldClient.withClient(addresses: cluster.producerAddresses(startingAt: 1)) { client in
            for number in 0..<100 { _ = try await enqueueRetrying(client, LocalCluster.envelope(number)) }
        }
        #expect(waitUntil(timeout: .seconds(30)) { (field(cluster, 1, "snapshotIndex") ?? 0) >= 40 })
        cluster.stop(1, signal: SIGTERM)
        // The state store lost (say, restored from an old copy by hand): empty.
        try FileManager.default.removeItem(at: cluster.directory.url.appendingPathComponent("data/node-1/state"))

        try cluster.start(1)
        #expect(waitUntil(timeout: .seconds(30)) { !cluster.isRunning(1) }, "the node runs on an incomplete state")
        let log = try String(contentsOf: cluster.directory.url.appendingPathComponent("node-1.log"), encoding: .utf8)
        #expect(log.contains("the state store is at applied index 0, behind the snapshot at index"), "\(cluster.logTails())")
    }

    @Test("a crash between installing a snapshot's state and compacting the log is finished at restart")
    func interruptedInstallIsFinished() async throws {
        // The node swaps the snapshot's state in, then dies before it compacts its log.
        let (cluster, lagging, logPath) = try await restartBehindSnapshot(name: "snapshot-crash",
                                                                          failpoint: "after-snapshot-swap")
        #expect(waitUntil(timeout: .seconds(10)) { !cluster.isRunning(lagging) })
        cluster.stop(lagging)

        try cluster.start(lagging)
        #expect(cluster.waitForConvergence(timeout: .seconds(60)) != nil, "\(cluster.logTails())")
        let log = try String(contentsOf: logPath, encoding: .utf8)
        #expect(log.contains("finishing an interrupted snapshot install"), "\(cluster.logTails())")
    }

    @Test("a node that cannot fetch the leader's snapshot still stops at once on SIGTERM")
    func stopsWhileFetchingFails() async throws {
        // Every fetch fails, so the node keeps retrying (for up to two minutes) when asked to stop.
        let (cluster, lagging, logPath) = try await restartBehindSnapshot(name: "snapshot-stop",
                                                                          failpoint: "snapshot-fetch-fails")
        let process = try #require(cluster.stop(lagging, signal: SIGTERM))
        let stopped = !process.isRunning
        if !stopped { kill(process.processIdentifier, SIGKILL) }
        #expect(stopped, "the node ignored SIGTERM\n\(cluster.logTails())")
        #expect(!stopped || process.terminationStatus == 0)
        let log = try String(contentsOf: logPath, encoding: .utf8)
        #expect(log.contains("stopping during a snapshot install"), "\(cluster.logTails())")

        // Restarted without the fault, it installs the snapshot and catches up.
        try cluster.start(lagging)
        #expect(cluster.waitForConvergence(timeout: .seconds(60)) != nil, "\(cluster.logTails())")
    }

    @Test("a follower whose snapshot the leader replaced starts over from its log and installs the current one")
    func replacedSnapshotStartsOver() async throws {
        // The first fetch is told the snapshot was replaced (as when the leader pruned it).
        let (cluster, lagging, logPath) = try await restartBehindSnapshot(name: "snapshot-replaced",
                                                                          failpoint: "snapshot-replaced-once")
        #expect(cluster.waitForConvergence(timeout: .seconds(60)) != nil, "\(cluster.logTails())")
        #expect(cluster.isRunning(lagging), "\(cluster.logTails())")
        let log = try String(contentsOf: logPath, encoding: .utf8)
        #expect(log.contains("restarting the Raft state from the log"), "\(cluster.logTails())")
        #expect(log.contains("snapshot installed"), "\(cluster.logTails())")
    }

    /// Starts a cluster, stops a follower, writes past two snapshots of the leader, then
    /// restarts the follower with `failpoint` armed and waits until it reaches it.
    /// - Returns: the cluster, the restarted follower and its log file.
    func restartBehindSnapshot(name: String, failpoint: String) async throws -> (LocalCluster, UInt64, URL) {
        let cluster = try LocalCluster(size: 3, name: name, snapshotEntries: 40)
        try cluster.startAll()
        let leader = try #require(cluster.waitForAgreedLeader(), "no leader\n\(cluster.logTails())")
        let lagging = try #require(cluster.nodes.map(\.id).first { $0 != leader })
        cluster.stop(lagging)
        try await HeraldClient.withClient(addresses: cluster.producerAddresses(startingAt: leader)) { client in
            for number in 0..<150 { _ = try await enqueueRetrying(client, LocalCluster.envelope(number)) }
        }
        #expect(waitUntil(timeout: .seconds(30)) { (field(cluster, leader, "snapshotIndex") ?? 0) >= 80 })

        try cluster.start(lagging, environment: ["HERALD_FAILPOINT": failpoint])
        let logPath = cluster.directory.url.appendingPathComponent("node-\(lagging).log")
        #expect(waitUntil(timeout: .seconds(60)) {
            ((try? String(contentsOf: logPath, encoding: .utf8)) ?? "").contains("failpoint \(failpoint)")
        }, "\(cluster.logTails())")
        return (cluster, lagging, logPath)
    }
}

/// The value of one series in Prometheus text, or nil when it is missing.
private func counter(in metrics: String, _ series: String) -> Double? {
    for line in metrics.split(separator: "\n") where line.hasPrefix(series + " ") {
        return Double(line.dropFirst(series.count + 1))
    }
    return nil
}
