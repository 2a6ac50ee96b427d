import HeraldConfig
@testable import HeraldNode
import NIOCore
import NIOPosix
import Testing

/// The admin client against real loopback servers.
@Suite struct NodeAdminClientTests {
    /// A busy node may read the answer's bytes only after the server has closed: the
    /// server answered as soon as it had the request head. The answer still counts.
    @Test func anAnswerFollowedAtOnceByTheServerClosingIsRead() async throws {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(AnswerAndClose()) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        defer { server.close(promise: nil) }
        let endpoint = Endpoint(host: "127.0.0.1", port: try #require(server.localAddress?.port))
        // Many at once, so that the client's tasks often run only after its event loop
        // has seen the answer and the close.
        try await withThrowingTaskGroup(of: NodeAdminClient.Response.self) { group in
            for _ in 0..<400 {
                group.addTask { try await NodeAdminClient.request(endpoint, path: "/healthz") }
            }
            for try await response in group {
                #expect(response.status == 200)
                #expect(response.body == "ok\n")
            }
        }
    }
}

/// Writes a complete answer as soon as the first bytes of a request arrive (the client
/// writes its head in one piece), then closes the connection once the kernel has them.
private final class AnswerAndClose: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let answer = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n"
        let channel = context.channel
        context.writeAndFlush(NIOAny(ByteBuffer(string: answer))).whenComplete { _ in channel.close(promise: nil) }
    }
}
