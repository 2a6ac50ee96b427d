import Foundation
import HeraldClient
import Wire

/// How many messages the leader-kill test sends: 10,000 by default (the durability
/// contract's proof), `HERALD_DURABILITY_MESSAGES` to change it.
var durabilityMessageCount: Int {
    ProcessInfo.processInfo.environment["HERALD_DURABILITY_MESSAGES"].flatMap(Int.init) ?? 10_000
}

/// Enqueues, retrying what the protocol says is safe to retry (with the same key).
func enqueueRetrying(_ client: HeraldClient, _ envelope: EnvelopeFields) async throws -> EnqueueAck {
    try await retrying { try await client.enqueue(envelope) }
}

/// Runs `request`, retrying errors the protocol marks retryable for up to a minute.
func retrying<T>(_ request: () async throws -> T) async throws -> T {
    let deadline = ContinuousClock.now + .seconds(60)
    while true {
        do {
            return try await request()
        } catch {
            guard (error as? HeraldClientError)?.isRetryable == true, ContinuousClock.now < deadline else { throw error }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}

extension Array {
    func chunked(into size: Int) -> [[Element]] {
        stride(from: 0, to: count, by: size).map { Array(self[$0..<Swift.min($0 + size, count)]) }
    }
}
