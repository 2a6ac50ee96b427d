import NIOCore
import NIOPosix
import RaftCore
import Wire

/// A small producer-protocol server on 127.0.0.1 (real TCP, port 0) whose connections are
/// driven by a test's script with canned answers.
struct CannedProducerServer {
    /// One accepted connection, as the script sees it.
    struct Connection {
        var frames: NIOAsyncChannelInboundStream<Frame>.AsyncIterator
        let outbound: NIOAsyncChannelOutboundWriter<Frame>

        /// The next request, or `nil` when the client closed the connection.
        mutating func next() async throws -> (requestID: ProducerRequestID, request: ProducerRequest)? {
            guard let frame = try await frames.next() else { return nil }
            return try ProducerRequest.decode(frame)
        }

        /// Reads `hello` and answers `welcome` from `node`.
        mutating func acceptHello(node: UInt64 = 1, leader: UInt64 = 1, maxInFlight: UInt32 = 1024) async throws {
            guard let (requestID, request) = try await next(), case .hello = request else {
                throw WireError.malformed("expected hello")
            }
            try await reply(requestID, .welcome(ProducerWelcome(node: NodeID(node), leader: NodeID(leader), maxInFlight: maxInFlight)))
        }

        /// Writes a response.
        func reply(_ requestID: ProducerRequestID, _ response: ProducerResponse) async throws {
            try await outbound.write(response.frame(requestID: requestID))
        }
    }

    /// Runs a server whose every connection runs `script`, for the length of `body`.
    /// - Parameters:
    ///   - script: drives one connection; the connection closes when it returns.
    ///   - body: gets the server's port.
    static func run<Output: Sendable>(
        script: @escaping @Sendable (inout Connection) async throws -> Void,
        _ body: (Int) async throws -> Output
    ) async throws -> Output {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: "127.0.0.1", port: 0) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let operations = channel.pipeline.syncOperations
                    try operations.addHandler(ByteToMessageHandler(FrameDecoder(maxFrameBytes: 1 << 20)))
                    try operations.addHandler(MessageToByteHandler(FrameEncoder()))
                    return try NIOAsyncChannel<Frame, Frame>(wrappingChannelSynchronously: channel)
                }
            }
        let port = server.channel.localAddress!.port!
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await server.executeThenClose { connections in
                    try await withThrowingTaskGroup(of: Void.self) { children in
                        for try await connection in connections {
                            children.addTask {
                                try? await connection.executeThenClose { inbound, outbound in
                                    var scripted = Connection(frames: inbound.makeAsyncIterator(), outbound: outbound)
                                    try await script(&scripted)
                                }
                            }
                        }
                    }
                }
            }
            defer { group.cancelAll() }
            return try await body(port)
        }
    }

    /// A port on 127.0.0.1 where nothing listens: bound, then closed.
    static func refusingPort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress!.port!
        try await channel.close()
        return port
    }
}
