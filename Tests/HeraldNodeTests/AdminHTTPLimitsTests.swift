import HeraldConfig
@testable import HeraldNode
import Logging
import NIOCore
import NIOPosix
import RaftCore
import ServiceLifecycle
import Testing

/// What the admin endpoint refuses or drops so that clients cannot crash it, exhaust its
/// descriptors or hold up the node's shutdown.
@Suite struct AdminHTTPLimitsTests {
    private let logger = Logger(label: "admin-http-limits-test")

    @Test("an offset beyond any file is not found (it crashed the node), one past the file's end is 416")
    func hugeOffsets() async throws {
        try await withServer(AdminHTTPServer(endpoint: try await Self.endpoint(), logger: logger, endpoints: RangeAnswers())) { endpoint in
            let huge = "/v1/snapshots/7-1/files/0?offset=18446744073709551615&length=10"
            let pastEnd = SnapshotBytesRequest.file(index: LogIndex(7), term: Term(1), file: 0, offset: 1 << 40, length: 10)
            let statuses = [
                try await NodeAdminClient.request(endpoint, path: huge).status,
                try await NodeAdminClient.request(endpoint, path: pastEnd.target).status,
                try await NodeAdminClient.request(endpoint, path: "/healthz").status,
            ]
            #expect(statuses == [404, 416, 200])
        }
    }

    @Test("a silent connection is closed after the idle timeout")
    func idleConnectionClosed() async throws {
        let server = AdminHTTPServer(endpoint: try await Self.endpoint(), logger: logger, endpoints: RangeAnswers(),
                                     idleTimeout: .milliseconds(300))
        try await withServer(server) { endpoint in
            let silent = try await Self.connect(endpoint)
            #expect(try await Self.closes(silent, within: .seconds(10)), "the idle connection is still open")
        }
    }

    @Test("a request that takes longer than the idle timeout to answer is not cut off")
    func slowAnswerOutlivesIdleTimeout() async throws {
        let server = AdminHTTPServer(endpoint: try await Self.endpoint(), logger: logger,
                                     endpoints: RangeAnswers(backupTime: .seconds(1)), idleTimeout: .milliseconds(300))
        try await withServer(server) { endpoint in
            let response = try await NodeAdminClient.request(endpoint, method: "POST", path: "/v1/backup", timeout: .seconds(10))
            #expect(response.status == 200)
            #expect(response.body == "{}\n")
        }
    }

    @Test("a connection beyond the limit is closed at once; the others keep working")
    func connectionLimit() async throws {
        let server = AdminHTTPServer(endpoint: try await Self.endpoint(), logger: logger, endpoints: RangeAnswers(),
                                     maxConnections: 2)
        try await withServer(server) { endpoint in
            // The probe that saw the server up may still be counted for a moment.
            _ = await waitUntil(within: .seconds(10)) { server.connections.count == 0 }
            // NB: accepted connections reach the server in any order (each is set up on
            // its own event loop), so which of the three is refused is not fixed.
            var clients: [any Channel] = []
            for _ in 0..<3 { clients.append(try await Self.connect(endpoint)) }
            _ = await waitUntil(within: .seconds(10)) { clients.filter(\.isActive).count <= 2 }
            #expect(clients.filter(\.isActive).count == 2, "connections kept: \(clients.filter(\.isActive).count)")
            #expect(server.connections.count == 2)
            for client in clients { try? await client.close() }
            var served = false
            let deadline = ContinuousClock.now + .seconds(20)
            while !served, ContinuousClock.now < deadline {
                served = (try? await NodeAdminClient.request(endpoint, path: "/healthz").status) == 200
                if !served { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(served, "no connection accepted after the others closed")
        }
    }

    @Test("graceful shutdown ends while a keep-alive client holds a connection open")
    func shutdownWithKeepAliveClient() async throws {
        let endpoint = try await Self.endpoint()
        let server = AdminHTTPServer(endpoint: endpoint, logger: logger, endpoints: RangeAnswers())
        let services = ServiceGroup(configuration: .init(services: [.init(service: server)], logger: logger))
        let running = Task { try await services.run() }
        try await AdminHTTPTestSupport.waitUntilServing(endpoint)
        let client = try await Self.connect(endpoint)
        try await client.writeAndFlush(ByteBuffer(string: "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"))
        try await Task.sleep(for: .milliseconds(100))  // answered; the connection stays open (keep-alive)
        await services.triggerGracefulShutdown()
        let finished = await Self.completes(within: .seconds(10)) { try? await running.value }
        #expect(finished, "the server did not stop while a keep-alive connection was open")
        try? await client.close()
    }

    // MARK: - Helpers

    private func withServer(_ server: AdminHTTPServer, _ body: (Endpoint) async throws -> Void) async throws {
        let endpoint = server.endpoint
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            defer { group.cancelAll() }
            try await AdminHTTPTestSupport.waitUntilServing(endpoint)
            try await body(endpoint)
        }
    }

    private static func endpoint() async throws -> Endpoint {
        Endpoint(host: "127.0.0.1", port: try await AdminHTTPTestSupport.freePort())
    }

    private static func connect(_ endpoint: Endpoint) async throws -> any Channel {
        try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connect(host: endpoint.host, port: endpoint.port).get()
    }

    private static func closes(_ channel: any Channel, within limit: Duration) async throws -> Bool {
        await completes(within: limit) { try? await channel.closeFuture.get() }
    }

    /// Whether `work` finishes within `limit`.
    private static func completes(within limit: Duration, _ work: @escaping @Sendable () async -> Void) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask { await work(); return true }
            group.addTask { try? await Task.sleep(for: limit); return false }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }
}

/// Answers every snapshot request with `.outOfRange`, and a backup after `backupTime`.
private struct RangeAnswers: AdminEndpoints {
    var backupTime: Duration = .zero

    func status() async -> NodeStatus { AdminHTTPTestSupport.followerStatus }
    func metrics() async -> String { "" }
    func backup() async -> Result<String, BackupUnavailable> {
        try? await Task.sleep(for: backupTime)
        return .success("{}")
    }

    func snapshotBytes(_ request: SnapshotBytesRequest) async -> SnapshotBytesAnswer { .outOfRange }
}
