import Foundation
import HeraldClient
import Testing
import Wire

/// Idempotency keys are forgotten once their window is over: the leader proposes their
/// expiry, every node applies it, and the key can be used again.
@Suite("idempotency key expiry", .serialized)
struct IdempotencyExpiryTests {
    @Test("keys are remembered within the window, expired by the leader after it, and reusable")
    func keysExpire() async throws {
        let cluster = try LocalCluster(size: 3, name: "expiry")
        try cluster.editConfig { $0["idempotency"] = ["windowSeconds": 10] }
        try cluster.startAll()
        let leader = try #require(cluster.waitForAgreedLeader(), "no leader\n\(cluster.logTails())")

        try await HeraldClient.withClient(addresses: cluster.producerAddresses(startingAt: leader)) { client in
            var originals: [WireMessageID] = []
            for number in 0..<20 {
                originals.append(try await enqueueRetrying(client, LocalCluster.envelope(number, key: "expiring-\(number)")).id)
            }
            // (The last key: just enqueued, well inside its 10 s window however slow the machine.)
            let retry = try await enqueueRetrying(client, LocalCluster.envelope(19, key: "expiring-19"))
            #expect(retry.duplicate && retry.id == originals[19], "a retry inside the window was not deduplicated")

            // All 20 keys (21 enqueues, one deduplicated) are expired once the window is over.
            let logPath = cluster.directory.url.appendingPathComponent("node-\(leader).log")
            #expect(waitUntil(timeout: .seconds(60)) { Self.expiredCount(in: logPath) >= 20 },
                    "expired so far: \(Self.expiredCount(in: logPath))\n\(cluster.logTails())")
            #expect(Self.expiredCount(in: logPath) == 20)

            let reused = try await enqueueRetrying(client, LocalCluster.envelope(0, key: "expiring-0"))
            #expect(!reused.duplicate && reused.id != originals[0], "an expired key still returned the original")
        }
        #expect(cluster.waitForConvergence() != nil, "the nodes disagree after expiring keys\n\(cluster.logTails())")
    }

    /// The keys the node's log says it expired, summed over its `idempotency keys expired` lines.
    private static func expiredCount(in log: URL) -> Int {
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").filter { $0.contains("idempotency keys expired") }.reduce(0) { sum, line in
            guard let range = line.range(of: "count=") else { return sum }
            return sum + (Int(line[range.upperBound...].prefix { $0.isNumber }) ?? 0)
        }
    }
}
