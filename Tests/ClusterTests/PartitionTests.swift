import Foundation
import HeraldClient
import Synchronization
import Testing
import Wire

/// Acknowledgements the load must gain in each phase: 150 by default (a run of about a
/// minute for the file), `HERALD_PARTITION_MESSAGES` for a longer local profile.
private var phaseMessages: Int {
    ProcessInfo.processInfo.environment["HERALD_PARTITION_MESSAGES"].flatMap(Int.init) ?? 150
}

private let loadConfiguration = HeraldClientConfiguration(requestTimeout: .seconds(10), connectTimeout: .seconds(1),
                                                          initialReconnectDelay: .milliseconds(50),
                                                          maxReconnectDelay: .milliseconds(500))

@Suite("a five-node cluster survives kills and partitions", .serialized)
struct PartitionTests {
    @Test("5 nodes keep accepting through SIGKILL of two leaders in a row, and lose nothing")
    func twoKills() async throws {
        let cluster = try LocalCluster(size: 5)
        try cluster.startAll()
        let first = try #require(cluster.waitForAgreedLeader(), "no leader\n\(cluster.logTails())")
        let load = ProducerLoad(name: "kills", addresses: cluster.producerAddresses(startingAt: first),
                                configuration: loadConfiguration)
        #expect(await load.waitForAcks(atLeast: phaseMessages, timeout: .seconds(30)), "no load before the kills")

        cluster.stop(first, signal: SIGKILL)
        let second = try #require(await cluster.waitForLeader(among: Set(cluster.nodes.map(\.id)).subtracting([first])),
                                  "no leader after the first kill\n\(cluster.convergenceReport())")
        #expect(second != first)
        cluster.stop(second, signal: SIGKILL)
        let survivors = Set(cluster.nodes.map(\.id)).subtracting([first, second])
        let third = try #require(await cluster.waitForLeader(among: survivors),
                                 "no leader among \(survivors.sorted())\n\(cluster.convergenceReport())\n\(cluster.logTails())")
        #expect(survivors.contains(third))

        // The three survivors (a bare majority) keep acknowledging.
        let beforeSurvivors = load.count
        #expect(await load.waitForAcks(atLeast: beforeSurvivors + phaseMessages, timeout: .seconds(30)),
                "the three survivors stopped accepting at \(load.count)\n\(cluster.convergenceReport())")

        try cluster.start(first)
        try cluster.start(second)
        let afterRestart = load.count
        #expect(await load.waitForAcks(atLeast: afterRestart + phaseMessages / 2, timeout: .seconds(30)))
        try await load.stop()
        #expect(load.conflicts.withLock { $0 }.isEmpty, "keys acknowledged with two ids")

        let converged = cluster.waitForConvergence()
        try #require(converged != nil, "nodes did not converge\n\(cluster.convergenceReport())\n\(cluster.logTails(lines: 30))")
        let leader = try #require(cluster.waitForAgreedLeader())
        let acked = load.acked.withLock { $0 }
        let missing = try await cluster.missingAcknowledged(acked, addresses: cluster.producerAddresses(startingAt: leader),
                                                           configuration: loadConfiguration)
        #expect(missing.isEmpty, "acknowledged but not intact: \(missing.prefix(20))")
        print("partition/twoKills: \(acked.count) acknowledged, converged at \(converged!)")
    }

    @Test("a minority behind a cut acknowledges nothing; the majority goes on; healing loses nothing")
    func minorityPartition() async throws {
        let electionTicks = 10
        let tickMilliseconds = 100
        let cluster = try LocalCluster(size: 5, electionTicks: electionTicks, tickMilliseconds: tickMilliseconds,
                                       proxied: true)
        let proxy = try #require(cluster.proxy)
        try cluster.startAll()
        let oldLeader = try #require(cluster.waitForAgreedLeader(), "no leader\n\(cluster.logTails())")
        let all = Set(cluster.nodes.map(\.id))
        let minority: Set<UInt64> = [oldLeader, all.subtracting([oldLeader]).min()!]
        let majority = all.subtracting(minority)

        // A producer that may talk to any node, running from before the cut until after the heal.
        let load = ProducerLoad(name: "any", addresses: cluster.producerAddresses(startingAt: oldLeader),
                                configuration: loadConfiguration)
        #expect(await load.waitForAcks(atLeast: phaseMessages, timeout: .seconds(30)), "no load before the cut")

        proxy.cut(between: minority, and: majority)
        let cutAt = ContinuousClock.now

        // Check-quorum: watch the cut-off leader from the moment of the cut.
        let stepDown = Task { () -> Duration? in
            let done = await eventually(timeout: .seconds(20)) { cluster.role(oldLeader).map { $0 != "leader" } ?? false }
            return done ? ContinuousClock.now - cutAt : nil
        }

        // Sent only after the cut is in place, so any acknowledgement is a minority commit.
        let minorityRequests = 24
        let outcomes = MinorityOutcomes()
        // NB: the timeout is longer than the step-down bound below, so every request gets an
        // answer from the node (unavailable or outcomeUnknown), never the client's timeout.
        let minorityConfiguration = HeraldClientConfiguration(requestTimeout: .seconds(8), connectTimeout: .seconds(1),
                                                              initialReconnectDelay: .milliseconds(50),
                                                              maxReconnectDelay: .milliseconds(200))
        let minorityAddresses = cluster.producerAddresses(only: minority.sorted())
        let minorityRun = Task { () async throws -> Void in
            try await HeraldClient.withClient(addresses: minorityAddresses, configuration: minorityConfiguration) { client in
                // Two waves: while the old leader may still think it leads, and after it stepped down.
                for wave in 0..<2 {
                    await withTaskGroup(of: Void.self) { group in
                        for number in 0..<minorityRequests / 2 {
                            let key = "minority-\(wave)-\(number)"
                            group.addTask {
                                do {
                                    let ack = try await client.enqueue(LocalCluster.envelope(number, key: key))
                                    outcomes.acks.withLock { $0.append("\(key) → \(ack.id) at \(ack.term)/\(ack.index)") }
                                } catch {
                                    outcomes.errors.withLock { $0.append("\(error)") }
                                    if (error as? HeraldClientError)?.code != .refused { outcomes.unanswered.withLock { $0.append("\(key): \(error)") } }
                                }
                            }
                        }
                    }
                }
            }
        }

        // The majority elects a leader of its own and accepts enqueues.
        let newLeader = try #require(await cluster.waitForLeader(among: majority, timeout: .seconds(20)),
                                     "the majority elected no leader\n\(cluster.convergenceReport())\n\(cluster.logTails(lines: 40))")
        #expect(majority.contains(newLeader))
        let majorityLoad = ProducerLoad(name: "majority", addresses: cluster.producerAddresses(only: majority.sorted()),
                                        lanes: 4, configuration: loadConfiguration)
        #expect(await majorityLoad.waitForAcks(atLeast: phaseMessages, timeout: .seconds(30)),
                "the majority accepted only \(majorityLoad.count)\n\(cluster.convergenceReport())")

        let electionTimeout = Duration.milliseconds(electionTicks * tickMilliseconds)
        let stepDownAfter = try #require(await stepDown.value, "old leader \(oldLeader) never stopped leading\n\(cluster.convergenceReport())")
        #expect(stepDownAfter <= electionTimeout * 5, "old leader \(oldLeader) stepped down only \(stepDownAfter) after the cut")
        for node in minority {
            #expect(cluster.role(node) != "leader", "minority node \(node) leads\n\(cluster.convergenceReport())")
        }

        // The proxy really separates the sides: dials across the cut are refused, and no
        // connection across it is alive.
        #expect(proxy.refusedCount > 0)
        let crossing = proxy.livePairs.filter { minority.contains($0.0) != minority.contains($0.1) }
        #expect(crossing.isEmpty, "connections across the cut: \(crossing)")

        try await minorityRun.value
        #expect(outcomes.acks.withLock { $0 }.isEmpty, "the minority acknowledged: \(outcomes.acks.withLock { $0 })")
        #expect(outcomes.errors.withLock { $0.count } == minorityRequests)
        // A leader that steps down answers its pending proposals (outcomeUnknown) at once.
        #expect(outcomes.unanswered.withLock { $0 }.isEmpty,
                "the minority left requests unanswered: \(outcomes.unanswered.withLock { $0 }.prefix(5))")

        // Heal: the old side rejoins, and everything acknowledged anywhere is there exactly once.
        proxy.heal()
        let afterHeal = load.count
        #expect(await load.waitForAcks(atLeast: afterHeal + phaseMessages / 2, timeout: .seconds(30)))
        try await majorityLoad.stop()
        try await load.stop()
        #expect(load.conflicts.withLock { $0 }.isEmpty && majorityLoad.conflicts.withLock { $0 }.isEmpty)

        let converged = cluster.waitForConvergence()
        try #require(converged != nil, "nodes did not converge after the heal\n\(cluster.convergenceReport())\n\(cluster.logTails(lines: 30))")
        let leader = try #require(cluster.waitForAgreedLeader())
        let acked = load.acked.withLock { $0 }.merging(majorityLoad.acked.withLock { $0 }) { first, _ in first }
        let missing = try await cluster.missingAcknowledged(acked, addresses: cluster.producerAddresses(startingAt: leader),
                                                           configuration: loadConfiguration)
        #expect(missing.isEmpty, "acknowledged but not intact: \(missing.prefix(20))")

        // The minority's unacknowledged entries were never committed: their keys are new.
        try await HeraldClient.withClient(addresses: cluster.producerAddresses(startingAt: leader),
                                          configuration: loadConfiguration) { client in
            for wave in 0..<2 {
                for number in 0..<minorityRequests / 2 {
                    let key = "minority-\(wave)-\(number)"
                    let ack = try await enqueueRetrying(client, LocalCluster.envelope(number, key: key))
                    #expect(!ack.duplicate, "key \(key), sent only to the cut-off minority, was committed")
                }
            }
        }
        print("partition/minority: \(acked.count) acknowledged, old leader stepped down after \(stepDownAfter), "
              + "minority errors \(Set(outcomes.errors.withLock { $0 }.map { $0.prefix { $0 != ":" } }).sorted()), "
              + "\(proxy.refusedCount) peer connections refused, "
              + "converged at \(converged!)")
    }
}

/// What the producer talking only to the cut-off minority got back.
private final class MinorityOutcomes: Sendable {
    let acks = Mutex<[String]>([])
    let errors = Mutex<[String]>([])
    /// Errors that did not come from the node (timeouts, lost connections).
    let unanswered = Mutex<[String]>([])
}
