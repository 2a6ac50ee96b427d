#if canImport(Glibc)
import Glibc
#endif
import HeraldConfig
@testable import HeraldNode
import Logging
import NIOCore
import NIOPosix
import RaftCore
import Testing

/// The admin endpoint over real loopback HTTP.
@Suite struct AdminHTTPServerTests {
    /// A snapshot chunk far larger than the socket buffers: the server must not close
    /// the connection while part of the body still waits in NIO (a follower installing
    /// a snapshot saw "I/O on closed channel" and truncated chunks under load).
    @Test func aLargeAnswerArrivesWholeBeforeTheConnectionCloses() async throws {
        let body = Self.patternedBytes(count: 48 << 20)
        let endpoint = Endpoint(host: "127.0.0.1", port: try await AdminHTTPTestSupport.freePort())
        let server = AdminHTTPServer(endpoint: endpoint, logger: Logger(label: "admin-http-test"),
                                     endpoints: FixedAnswers(snapshotBody: body))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            defer { group.cancelAll() }
            try await AdminHTTPTestSupport.waitUntilServing(endpoint)
            let target = SnapshotBytesRequest.file(index: LogIndex(7), term: Term(1), file: 0, offset: 0,
                                                   length: SnapshotBytesRequest.maxLength).target
            let response = try await NodeAdminClient.request(endpoint, path: target, timeout: .seconds(60))
            #expect(response.status == 200)
            #expect(response.bytes.count == body.count)
            let same = response.bytes.withUnsafeBytes { received in
                body.withUnsafeBytes { sent in
                    received.count == sent.count && memcmp(received.baseAddress!, sent.baseAddress!, sent.count) == 0
                }
            }
            #expect(same, "the body arrived changed")
            // A client that accepts less refuses the answer instead of buffering it.
            let refused = await #expect(throws: NodeAdminClient.ExchangeFailed.self) {
                try await NodeAdminClient.request(endpoint, path: target, timeout: .seconds(60), maxBodyBytes: 1 << 20)
            }
            #expect("\(refused.map { "\($0)" } ?? "")".contains("exceeds the limit of 1048576"), "\(String(describing: refused))")
        }
    }

    @Test func aMissingSnapshotIsNotFoundAndAReplacedOneIsGone() async throws {
        let endpoint = Endpoint(host: "127.0.0.1", port: try await AdminHTTPTestSupport.freePort())
        let server = AdminHTTPServer(endpoint: endpoint, logger: Logger(label: "admin-http-test"),
                                     endpoints: FixedAnswers(snapshotBody: nil))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            defer { group.cancelAll() }
            try await AdminHTTPTestSupport.waitUntilServing(endpoint)
            let kept = SnapshotBytesRequest.manifest(index: LogIndex(7), term: Term(1)).target
            let replaced = SnapshotBytesRequest.manifest(index: LogIndex(3), term: Term(1)).target
            #expect(try await NodeAdminClient.request(endpoint, path: kept).status == 404)
            #expect(try await NodeAdminClient.request(endpoint, path: replaced).status == 410)
        }
    }

    /// More bytes than loopback's socket buffers can hold (4 MiB to send, up to 32 MiB
    /// to receive here), in a pattern whose period (a prime) shows a shifted range.
    private static func patternedBytes(count: Int) -> [UInt8] {
        let period = (0..<65_521).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count)
        while bytes.count < count { bytes.append(contentsOf: period.prefix(count - bytes.count)) }
        return bytes
    }
}

/// Answers a snapshot request with fixed bytes (index 7), or 404 for index 7 and 410
/// for older ones when there are none.
private struct FixedAnswers: AdminEndpoints {
    var snapshotBody: [UInt8]?

    func status() async -> NodeStatus { AdminHTTPTestSupport.followerStatus }

    func metrics() async -> String { "" }

    func backup() async -> Result<String, BackupUnavailable> { .failure(BackupUnavailable(reason: "not here")) }

    func snapshotBytes(_ request: SnapshotBytesRequest) async -> SnapshotBytesAnswer {
        let index: LogIndex
        switch request {
        case .manifest(let at, _), .file(let at, _, _, _, _): index = at
        }
        if let snapshotBody { return .bytes(snapshotBody) }
        return index == LogIndex(7) ? .notKept : .replaced
    }
}
