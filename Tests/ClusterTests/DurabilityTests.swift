import Foundation
import HeraldClient
import Synchronization
import Testing
import Wire


@Suite("no acknowledged message is lost", .serialized)
struct DurabilityTests {
    @Test("enqueues through all three nodes survive SIGKILL of the leader and its restart")
    func leaderKillLosesNothing() async throws {
        let cluster = try LocalCluster(size: 3)
        try cluster.startAll()
        let firstLeader = try #require(cluster.waitForAgreedLeader(), "no leader\n\(cluster.logTails())")

        let ledger = AckLedger()
        let started = ContinuousClock.now
        let killAt = durabilityMessageCount / 3
        let configuration = HeraldClientConfiguration(requestTimeout: .seconds(20), connectTimeout: .seconds(2),
                                                      initialReconnectDelay: .milliseconds(50),
                                                      maxReconnectDelay: .milliseconds(500))
        try await withThrowingTaskGroup(of: Void.self) { group in
            // Three producers, each starting at a different node; they pipeline 32 requests each.
            for producer in 0..<3 {
                let addresses = cluster.producerAddresses(startingAt: UInt64(producer + 1))
                group.addTask {
                    try await HeraldClient.withClient(addresses: addresses, configuration: configuration) { client in
                        try await withThrowingTaskGroup(of: Void.self) { inner in
                            for lane in 0..<32 {
                                inner.addTask {
                                    var number = producer * 100_000 + lane
                                    while number % 100_000 < durabilityMessageCount / 3 + 1 {
                                        let key = "p\(producer)-m\(number)"
                                        let ack = try await enqueueRetrying(client, LocalCluster.envelope(number, key: key))
                                        let count = ledger.acked.withLock { map -> Int in
                                            if let earlier = map[key] { #expect(earlier == ack.id, "key \(key) got two ids") }
                                            map[key] = ack.id
                                            return map.count
                                        }
                                        if count >= killAt, ledger.claimKill() {
                                            cluster.stop(firstLeader, signal: SIGKILL)
                                        }
                                        number += 32
                                    }
                                }
                            }
                            try await inner.waitForAll()
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(ledger.killed.withLock { $0 })
        let written = ContinuousClock.now
        print("durability: \(ledger.acked.withLock { $0.count }) acknowledged in \(written - started)")
        try cluster.start(firstLeader)
        let converged = cluster.waitForConvergence()
        try #require(converged != nil, "nodes did not converge\n\(cluster.logTails(lines: 40))\n\((1...3).map { String(describing: cluster.status(UInt64($0))) })")

        // Every acknowledged message is there, and its key still maps to that one message.
        let keys = ledger.acked.withLock { $0 }
        #expect(keys.count >= durabilityMessageCount)
        try await HeraldClient.withClient(addresses: cluster.producerAddresses(startingAt: firstLeader),
                                          configuration: configuration) { client in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (offset, chunk) in keys.sorted(by: { $0.key < $1.key }).chunked(into: 64).enumerated() {
                    group.addTask {
                        for (key, id) in chunk {
                            let status = try await retrying { try await client.messageStatus(id) }
                            #expect(status.recipients.count == 1)
                            if offset % 16 == 0 {
                                let retry = try await enqueueRetrying(client, LocalCluster.envelope(0, key: key))
                                #expect(retry.duplicate && retry.id == id, "retrying key \(key) made a new message")
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
    }

    @Test("a retry with the same idempotency key after a leader change returns the original id")
    func idempotentAcrossLeaderChange() async throws {
        let cluster = try LocalCluster(size: 3)
        try cluster.startAll()
        let leader = try #require(cluster.waitForAgreedLeader(), "no leader\n\(cluster.logTails())")
        let follower = cluster.nodes.map(\.id).first { $0 != leader }!
        let addresses = cluster.producerAddresses(startingAt: follower)
        let configuration = HeraldClientConfiguration(requestTimeout: .seconds(20))
        let first = try await HeraldClient.withClient(addresses: addresses, configuration: configuration) { client in
            try await client.enqueue(LocalCluster.envelope(1, key: "order-42"))
        }
        #expect(!first.duplicate)
        cluster.stop(leader, signal: SIGKILL)
        let newLeader = try #require(cluster.waitForAgreedLeader(), "no new leader\n\(cluster.logTails())")
        #expect(newLeader != leader)
        let second = try await HeraldClient.withClient(addresses: addresses, configuration: configuration) { client in
            try await enqueueRetrying(client, LocalCluster.envelope(1, key: "order-42"))
        }
        #expect(second.duplicate)
        #expect(second.id == first.id)
        #expect(second.term > first.term)
    }
}


/// What the producers of a durability run share: every acknowledged key and its id,
/// and whether the leader was killed yet.
final class AckLedger: Sendable {
    let acked = Mutex<[String: WireMessageID]>([:])
    let killed = Mutex(false)

    /// True exactly once: for the caller that gets to kill the leader.
    func claimKill() -> Bool {
        killed.withLock { done in
            defer { done = true }
            return !done
        }
    }
}
