import Foundation
import HeraldClient
import Synchronization
import Wire

/// Producers that enqueue without pause (each lane one request at a time, with a fresh
/// idempotency key per message, retrying what the protocol says is safe to retry) until
/// stopped, recording every acknowledgement.
final class ProducerLoad: Sendable {
    /// Every acknowledged key and the id it got.
    let acked = Mutex<[String: WireMessageID]>([:])
    /// Keys that were acknowledged twice with different ids (must stay empty).
    let conflicts = Mutex<[String]>([])
    private let stopped = Mutex(false)
    private let task = Mutex<Task<Void, any Error>?>(nil)

    /// Starts `lanes` producers on one client.
    /// - Parameters:
    ///   - name: prefix of every key (`<name>-<number>`); distinct per load.
    ///   - addresses: the client's node addresses, in order.
    init(name: String, addresses: [HeraldServerAddress], lanes: Int = 8,
         configuration: HeraldClientConfiguration) {
        let handle = Task { [self] in
            try await HeraldClient.withClient(addresses: addresses, configuration: configuration) { client in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for lane in 0..<lanes {
                        group.addTask {
                            var number = lane
                            while !self.stopped.withLock({ $0 }) {
                                let key = "\(name)-\(number)"
                                let ack = try await enqueueRetrying(client, LocalCluster.envelope(number, key: key))
                                self.record(key, ack.id)
                                number += lanes
                            }
                        }
                    }
                    try await group.waitForAll()
                }
            }
        }
        task.withLock { $0 = handle }
    }

    private func record(_ key: String, _ id: WireMessageID) {
        acked.withLock { map in
            if let earlier = map[key], earlier != id { conflicts.withLock { $0.append(key) } }
            map[key] = id
        }
    }

    /// How many distinct keys were acknowledged so far.
    var count: Int { acked.withLock { $0.count } }

    /// Waits until at least `target` keys are acknowledged; false after `timeout`.
    func waitForAcks(atLeast target: Int, timeout: Duration) async -> Bool {
        await eventually(timeout: timeout) { self.count >= target }
    }

    /// Stops every lane after its current request and waits for them.
    /// - Throws: the first lane's error (a non-retryable failure, or retries exhausted).
    func stop() async throws {
        stopped.withLock { $0 = true }
        try await task.withLock { $0 }?.value
    }
}

/// Polls `condition` every 20 ms until it holds or `timeout` passes, without blocking
/// a cooperative thread.
func eventually(timeout: Duration, _ condition: @Sendable () async -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return await condition()
}
