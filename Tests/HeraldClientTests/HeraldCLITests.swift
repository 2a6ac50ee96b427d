import Foundation
import RaftCore
import Synchronization
import Testing
import Wire

/// Every request the canned server received.
final class RequestLog: Sendable {
    let requests = Mutex<[ProducerRequest]>([])
}

/// Runs the real `herald` executable against the canned server.
@Suite("herald CLI against a canned server")
struct HeraldCLITests {
    /// The outcome of one `herald` run.
    struct Outcome {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// `.build/debug`, found from the test runner's path (or `HERALD_BIN_DIR`).
    static let binDirectory: URL = {
        if let explicit = ProcessInfo.processInfo.environment["HERALD_BIN_DIR"] { return URL(fileURLWithPath: explicit) }
        var candidate = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<6 {
            if FileManager.default.isExecutableFile(atPath: candidate.appendingPathComponent("herald").path) { return candidate }
            candidate.deleteLastPathComponent()
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(".build/debug")
    }()

    /// Runs `herald` without blocking a cooperative thread: waits on the termination handler.
    static func herald(_ arguments: [String]) async throws -> Outcome {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("herald-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let outURL = scratch.appendingPathComponent("stdout")
        let errURL = scratch.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let process = Process()
        process.executableURL = binDirectory.appendingPathComponent("herald")
        process.arguments = arguments
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch { continuation.resume(throwing: error) }
        }
        return Outcome(status: status, stdout: try String(contentsOf: outURL, encoding: .utf8),
                       stderr: try String(contentsOf: errURL, encoding: .utf8))
    }

    /// A cluster file whose first node refuses connections and whose second is `port`.
    static func clusterFile(port: Int) async throws -> String {
        let refusing = try await CannedProducerServer.refusingPort()
        let text = """
            {"clusterName": "cli-test", "dataDirectory": "data",
             "raft": {"tickMilliseconds": 100, "heartbeatTicks": 1, "electionTicks": 10},
             "nodes": [
               {"id": 1, "region": "a", "peerAddress": "127.0.0.1:1101", "clientAddress": "127.0.0.1:\(refusing)", "httpAddress": "127.0.0.1:1301"},
               {"id": 2, "region": "b", "peerAddress": "127.0.0.1:1102", "clientAddress": "127.0.0.1:\(port)", "httpAddress": "127.0.0.1:1302"}
             ]}
            """
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("herald-cli-\(UUID().uuidString).json").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static let messageID = WireMessageID(hex: "0123456789abcdef0123456789abcdef")!
    static let entry = SuppressionEntry(address: "s@x.org", reason: .hardBounce, source: "dsn", sinceMilliseconds: 0)

    /// Answers like a small cluster; refuses enqueues to `refused@x.org` with `unavailable`.
    static func script(_ seen: RequestLog) -> @Sendable (inout CannedProducerServer.Connection) async throws -> Void {
        { connection in
            try await connection.acceptHello(node: 2)
            while let (requestID, request) = try await connection.next() {
                seen.requests.withLock { $0.append(request) }
                let response: ProducerResponse = switch request {
                case .enqueue(let envelope) where envelope.recipients.contains("refused@x.org"):
                    .error(.unavailable, detail: "no leader: election under way")
                case .enqueue(let envelope):
                    .enqueued(EnqueueAck(id: messageID, term: Term(3), index: LogIndex(17), duplicate: !envelope.idempotencyKey.isEmpty,
                                         suppressed: envelope.recipients.filter { $0 == entry.address }))
                case .messageStatus(let id):
                    .messageStatus(MessageStatusReport(id: id, enqueuedAtMilliseconds: 0, recipients: [
                        .init(address: "b@x.org", state: .delivered, detail: "250 ok"),
                    ]))
                case .cancel: .cancelled(recipients: 1)
                case .suppressAdd: .ok
                case .suppressRemove: .removed(found: false)
                case .suppressCheck(let address): .suppression(address == entry.address ? entry : nil)
                case .suppressList: .suppressionList([entry])
                case .clusterStatus:
                    .clusterStatus(ClusterStatusReport(leader: NodeID(2), term: Term(3), nodes: [
                        .init(node: NodeID(1), role: "follower", reachable: false, commitIndex: LogIndex(10),
                              appliedIndex: LogIndex(9), digest: 0xAB),
                        .init(node: NodeID(2), role: "leader", reachable: true, commitIndex: LogIndex(17),
                              appliedIndex: LogIndex(17), digest: 0xCD),
                    ]))
                case .enqueueBatch, .hello: .error(.unknownRequest, detail: "not here")
                }
                try await connection.reply(requestID, response)
            }
        }
    }

    @Test("status, enqueue, message, cancel and suppress talk to the cluster and print results")
    func commands() async throws {
        let seen = RequestLog()
        try await CannedProducerServer.run(script: Self.script(seen)) { port in
            let cluster = try await Self.clusterFile(port: port)
            defer { try? FileManager.default.removeItem(atPath: cluster) }

            let status = try await Self.herald(["--cluster", cluster, "status"])
            #expect(status.status == 0, "\(status.stderr)")
            #expect(status.stdout.contains("leader: 2  term: 3"))
            #expect(status.stdout.contains("2     leader    yes        17      17       00000000000000cd"))

            let statusJSON = try await Self.herald(["--cluster", cluster, "status", "--json"])
            let object = try JSONSerialization.jsonObject(with: Data(statusJSON.stdout.utf8)) as? [String: Any]
            #expect(object?["leader"] as? Int == 2)
            #expect((object?["nodes"] as? [[String: Any]])?.first?["reachable"] as? Bool == false)

            let enqueue = try await Self.herald(["--cluster", cluster, "enqueue", "--from", "a@x.org", "--to", "b@x.org",
                                                 "--to", "s@x.org", "--subject", "Hi", "--body", "Hello\nthere", "--priority", "7"])
            #expect(enqueue.status == 0, "\(enqueue.stderr)")
            #expect(enqueue.stdout == "\(Self.messageID.hex)\nsuppressed: s@x.org\n")
            let envelope = seen.requests.withLock { requests -> EnvelopeFields? in
                for case .enqueue(let envelope) in requests { return envelope }
                return nil
            }
            #expect(envelope?.recipients == ["b@x.org", "s@x.org"])
            #expect(envelope?.priority == 7)
            let message = String(decoding: envelope?.message ?? [], as: UTF8.self)
            #expect(message.hasPrefix("From: a@x.org\r\nTo: b@x.org,\r\n s@x.org\r\nSubject: Hi\r\nDate: "))
            #expect(message.contains("\r\nMessage-ID: <") && message.contains("@herald>\r\n"))
            #expect(message.hasSuffix("\r\n\r\nHello\r\nthere\r\n"))

            let duplicate = try await Self.herald(["--cluster", cluster, "enqueue", "--from", "a@x.org", "--to", "b@x.org",
                                                   "--subject", "Hi", "--body", "x", "--idempotency-key", "k", "--json"])
            let ack = try JSONSerialization.jsonObject(with: Data(duplicate.stdout.utf8)) as? [String: Any]
            #expect(ack?["id"] as? String == Self.messageID.hex)
            #expect(ack?["duplicate"] as? Bool == true)
            #expect(ack?["index"] as? Int == 17)

            let message2 = try await Self.herald(["--cluster", cluster, "message", Self.messageID.hex])
            #expect(message2.stdout.contains("b@x.org: delivered (250 ok)"))
            let cancel = try await Self.herald(["--cluster", cluster, "cancel", Self.messageID.hex])
            #expect(cancel.stdout == "cancelled 1 recipient\n")

            let add = try await Self.herald(["--cluster", cluster, "suppress", "add", "s@x.org", "--reason", "hard-bounce",
                                             "--source", "dsn"])
            #expect(add.status == 0)
            #expect(seen.requests.withLock { $0.contains(.suppressAdd(address: "s@x.org", reason: .hardBounce, source: "dsn")) })
            let check = try await Self.herald(["--cluster", cluster, "suppress", "check", "s@x.org"])
            #expect(check.stdout.hasPrefix("s@x.org  hard-bounce  since 1970-01-01T00:00:00Z  source: dsn"))
            let list = try await Self.herald(["--cluster", cluster, "suppress", "list", "--limit", "1"])
            #expect(list.stdout.contains("(more: --after s@x.org)"))
            let remove = try await Self.herald(["--cluster", cluster, "suppress", "remove", "t@x.org"])
            #expect(remove.stdout == "t@x.org was not suppressed\n")
        }
    }

    @Test("a refusal exits 1 with the node's error; usage and config errors exit 2")
    func exitCodes() async throws {
        let seen = RequestLog()
        try await CannedProducerServer.run(script: Self.script(seen)) { port in
            let cluster = try await Self.clusterFile(port: port)
            defer { try? FileManager.default.removeItem(atPath: cluster) }
            let refused = try await Self.herald(["--cluster", cluster, "enqueue", "--from", "a@x.org", "--to", "refused@x.org",
                                                 "--subject", "s", "--body", "b"])
            #expect(refused.status == 1)
            #expect(refused.stderr == "herald: unavailable: no leader: election under way\n")

            let noBody = try await Self.herald(["--cluster", cluster, "enqueue", "--from", "a@x.org", "--to", "b@x.org"])
            #expect(noBody.status == 2)
            let badID = try await Self.herald(["--cluster", cluster, "message", "xyz"])
            #expect(badID.status == 2)
            let missingFile = try await Self.herald(["--cluster", "/nonexistent/cluster.json", "status"])
            #expect(missingFile.status == 2)
            #expect(missingFile.stderr.hasPrefix("/nonexistent/cluster.json: "))
            #expect(missingFile.stderr.split(separator: "\n").count == 1)
        }
        let unreachable = try await Self.herald(["--cluster", try await Self.clusterFile(port: try await CannedProducerServer.refusingPort()),
                                                 "--timeout", "2", "status"])
        #expect(unreachable.status == 1)
        #expect(unreachable.stderr.hasPrefix("herald: unreachable: no node accepted a connection"))
    }
}
