import NIOCore
import NIOPosix

/// Creates the JetStream stream the NATS load publishes into (`BENCH`, subjects
/// `bench.>`, file storage, `replicas` copies) through the JetStream API subjects: delete
/// it if it exists, create it, and retry the creation until JetStream accepts it (a
/// fresh cluster answers "temporarily unavailable" until its meta leader is elected).
/// Not on the hot path, so it reads the connection with `NIOAsyncChannel`.
enum NATSStreamSetup {
    /// Deletes and recreates the stream.
    /// - Parameters:
    ///   - endpoint: a NATS server.
    ///   - replicas: the stream's replica count.
    ///   - deadline: how long to keep trying, in seconds.
    /// - Throws: `LoadGenError.streamSetup` when the stream is not created in time.
    static func recreateStream(at endpoint: Endpoint, replicas: Int, deadline: Double) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { group.shutdownGracefully { _ in } }
        let result = try await withThrowingTaskGroup(of: String?.self) { tasks in
            tasks.addTask {
                try await exchange(at: endpoint, replicas: replicas, group: group)
            }
            tasks.addTask {
                try await Task.sleep(for: .milliseconds(Int(deadline * 1000)))
                return nil
            }
            let first = try await tasks.next() ?? nil
            tasks.cancelAll()
            return first
        }
        guard let result else { throw LoadGenError.streamSetup("no success within \(deadline) s") }
        StandardError.write("stream \(NATSProtocol.streamName) created: \(result.prefix(300))")
    }

    /// Reply tokens above this belong to creates resent on a timer.
    private static let resendTokens: UInt64 = 1_000_000

    private static func createRequest(replicas: Int) -> String {
        "{\"name\":\"\(NATSProtocol.streamName)\",\"subjects\":[\"\(NATSProtocol.streamSubjects)\"],"
            + "\"retention\":\"limits\",\"storage\":\"file\",\"discard\":\"old\",\"num_replicas\":\(replicas)}"
    }

    private static func publish(_ subject: String, reply: String, body: String) -> String {
        "PUB \(subject) \(reply) \(body.utf8.count)\r\n\(body)\r\n"
    }

    /// Runs delete-then-create, retrying the create; returns the create reply.
    private static func exchange(at endpoint: Endpoint, replicas: Int, group: any EventLoopGroup) async throws -> String {
        let channel = try await ClientBootstrap(group: group)
            .connectTimeout(.seconds(2))
            .connect(host: endpoint.host, port: endpoint.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(NATSEventDecoder()))
                    return try NIOAsyncChannel<NATSEvent, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        let stream = NATSProtocol.streamName
        let inbox = "_INBOX.lgsetup"
        return try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(string: NATSProtocol.connectLine + "SUB \(inbox).* 1\r\n"
                + publish("$JS.API.STREAM.DELETE.\(stream)", reply: "\(inbox).1", body: "")))
            // NB: a request JetStream never answers (no meta leader yet: without headers
            // NATS drops it silently) left the chain below waiting until the deadline, and a
            // full benchmark run ended there. Every 2 s a create goes out again on a token
            // of its own; the first success on any token ends the setup.
            let resend = Task {
                var token = Self.resendTokens
                while !Task.isCancelled {
                    try await Task.sleep(for: .seconds(2))
                    token += 1
                    try await outbound.write(ByteBuffer(string: publish("$JS.API.STREAM.CREATE.\(stream)",
                                                                        reply: "\(inbox).\(token)",
                                                                        body: createRequest(replicas: replicas))))
                }
            }
            defer { resend.cancel() }
            var attempt: UInt64 = 1
            for try await event in inbound {
                switch event {
                case .ping:
                    try await outbound.write(ByteBuffer(string: "PONG\r\n"))
                case .message(let token, let payload) where (token ?? 0) > Self.resendTokens:
                    let text = String(buffer: payload)
                    if !text.contains("\"error\"") { return text }
                    StandardError.write("stream create (resent): \(text.prefix(200))")
                case .message(let token, let payload):
                    let text = String(buffer: payload)
                    guard token == attempt else { continue }
                    if attempt > 1, !text.contains("\"error\"") { return text }
                    if attempt == 1 {
                        StandardError.write("stream delete: \(text.prefix(200))")
                    } else {
                        StandardError.write("stream create attempt \(attempt - 1): \(text.prefix(200)); retrying")
                        try await Task.sleep(for: .milliseconds(500))
                    }
                    attempt += 1
                    try await outbound.write(ByteBuffer(string: publish("$JS.API.STREAM.CREATE.\(stream)",
                                                                        reply: "\(inbox).\(attempt)",
                                                                        body: createRequest(replicas: replicas))))
                case .error(let text):
                    throw LoadGenError.streamSetup("server error: \(text)")
                case .info, .pong, .ok:
                    break
                }
            }
            throw LoadGenError.streamSetup("the server closed the connection")
        }
    }
}
