public import HeraldConfig
import NIOCore
import NIOHTTP1
import NIOPosix

/// A minimal HTTP/1.1 client for a node's admin endpoint (`httpAddress`): used by the
/// CLI (`herald backup create`) and by nodes collecting each other's status.
public enum NodeAdminClient {
    /// A response: the status code and the body.
    public struct Response: Sendable {
        /// The HTTP status code.
        public var status: Int
        /// The body's bytes.
        public var bytes: [UInt8]
        /// The body as text.
        public var body: String { String(decoding: bytes, as: UTF8.self) }
    }

    /// Sends `method path` to `endpoint` and reads the whole response.
    /// - Parameters:
    ///   - endpoint: the node's HTTP address.
    ///   - method: `GET` or `POST` (an empty body is sent).
    ///   - path: the request target, e.g. `/v1/status`.
    ///   - timeout: for connecting and for the whole exchange.
    /// - Returns: the response.
    /// - Throws: when the node cannot be reached or the exchange times out.
    public static func request(_ endpoint: Endpoint, method: String = "GET", path: String,
                               timeout: Duration = .seconds(5)) async throws -> Response {
        let limit = TimeAmount.nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000
                                           + timeout.components.attoseconds / 1_000_000_000)
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(limit)
            .connect(host: endpoint.host, port: endpoint.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
                }
            }
        let deadline = channel.channel.eventLoop.scheduleTask(in: limit) { channel.channel.close(promise: nil) }
        defer { deadline.cancel() }
        return try await channel.executeThenClose { inbound, outbound in
            var headers = HTTPHeaders()
            headers.add(name: "Host", value: "\(endpoint)")
            headers.add(name: "Connection", value: "close")
            headers.add(name: "Content-Length", value: "0")
            try await outbound.write(.head(HTTPRequestHead(version: .http1_1, method: HTTPMethod(rawValue: method),
                                                           uri: path, headers: headers)))
            try await outbound.write(.end(nil))
            var status = 0
            var body = ByteBuffer()
            for try await part in inbound {
                switch part {
                case .head(let head): status = Int(head.status.code)
                case .body(var chunk): body.writeBuffer(&chunk)
                case .end: return Response(status: status, bytes: Array(buffer: body))
                }
            }
            throw NodeUnreachable(endpoint: endpoint)
        }
    }

    /// The node closed the connection before a complete response.
    public struct NodeUnreachable: Error, CustomStringConvertible {
        /// The node's address.
        public var endpoint: Endpoint
        public var description: String { "\(endpoint) closed the connection before answering" }
    }
}
