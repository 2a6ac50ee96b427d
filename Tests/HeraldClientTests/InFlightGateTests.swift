@testable import HeraldClient
import NIOCore
import NIOPosix
import Testing

/// The per-connection gate that keeps at most `maxInFlight` requests in flight.
@Suite struct InFlightGateTests {
    @Test("a queue that never drains completely does not grow for ever")
    func queueStaysBounded() async throws {
        let gate = InFlightGate(limit: 1)
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        try await gate.acquire(0, deadline: .now() + .seconds(30), on: loop)
        // One request in flight and one waiting, 3,000 times: each release hands the
        // place straight to the waiter, so the queue is never empty when it is read.
        for key in UInt64(1)...3_000 {
            let waiter = Task { try await gate.acquire(key, deadline: .now() + .seconds(30), on: loop) }
            while !gate.isQueued(key) { await Task.yield() }
            gate.release()
            try await waiter.value
        }
        #expect(gate.queueStorageCount <= 1_100, "queue storage holds \(gate.queueStorageCount) slots")
        gate.release()
        // Still exactly one place: a second acquire waits until it is released.
        try await gate.acquire(5_000, deadline: .now() + .seconds(30), on: loop)
        let blocked = Task { try await gate.acquire(5_001, deadline: .now() + .milliseconds(200), on: loop) }
        await #expect(throws: HeraldClientError.self) { try await blocked.value }
    }
}
