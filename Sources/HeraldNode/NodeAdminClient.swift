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
    ///   - maxBodyBytes: the largest body accepted (default 64 MiB, far above a snapshot
    ///     chunk): a peer that answers more, or announces more, is refused rather than
    ///     buffered.
    /// - Returns: the response.
    /// - Throws: when the node cannot be reached or the exchange times out, or the body
    ///   is too large.
    public static func request(_ endpoint: Endpoint, method: String = "GET", path: String,
                               timeout: Duration = .seconds(5), maxBodyBytes: Int = 64 << 20) async throws -> Response {
        var stage = ExchangeFailed.Stage.connecting
        var received = 0
        do {
            return try await exchange(endpoint, method: method, path: path, timeout: timeout, maxBodyBytes: maxBodyBytes,
                                      stage: &stage, received: &received)
        } catch let error as NodeUnreachable {
            throw error
        } catch {
            throw ExchangeFailed(endpoint: endpoint, method: method, path: path, stage: stage,
                                 bytesReceived: received, underlying: error)
        }
    }

    private static func exchange(_ endpoint: Endpoint, method: String, path: String, timeout: Duration, maxBodyBytes: Int,
                                 stage: inout ExchangeFailed.Stage, received: inout Int) async throws -> Response {
        let limit = TimeAmount(timeout)
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
            stage = .sending
            // One write: the server answers (and closes) as soon as it has the head, so a
            // separate `.end` written by a task that ran late found the channel closed
            // ("I/O on closed channel" on busy followers fetching small snapshot files).
            // For the same reason a failed write is not the end: the answer may be here.
            let head = HTTPRequestHead(version: .http1_1, method: HTTPMethod(rawValue: method), uri: path, headers: headers)
            var writeError: (any Error)?
            do {
                try await outbound.write(contentsOf: [.head(head), .end(nil)])
            } catch {
                writeError = error
            }
            stage = .receiving
            var status = 0
            var body = ByteBuffer()
            for try await part in inbound {
                switch part {
                case .head(let head):
                    status = Int(head.status.code)
                    if let announced = head.headers.first(name: "Content-Length").flatMap(Int.init), announced > maxBodyBytes {
                        throw BodyTooLarge(bytes: announced, limit: maxBodyBytes)
                    }
                case .body(var chunk):
                    received += chunk.readableBytes
                    guard received <= maxBodyBytes else { throw BodyTooLarge(bytes: received, limit: maxBodyBytes) }
                    body.writeBuffer(&chunk)
                case .end: return Response(status: status, bytes: Array(buffer: body))
                }
            }
            if let writeError {
                stage = .sending
                throw writeError
            }
            throw NodeUnreachable(endpoint: endpoint)
        }
    }

    /// The answer's body is larger than the caller accepts.
    public struct BodyTooLarge: Error, CustomStringConvertible {
        /// The bytes announced or received so far.
        public var bytes: Int
        /// The most accepted.
        public var limit: Int
        public var description: String { "the answer's body of \(bytes) bytes or more exceeds the limit of \(limit)" }
    }

    /// An exchange that failed part of the way, and where.
    public struct ExchangeFailed: Error, CustomStringConvertible {
        /// How far the exchange got.
        public enum Stage: String, Sendable {
            /// Opening the connection.
            case connecting = "connecting"
            /// Writing the request.
            case sending = "sending the request"
            /// Reading the response.
            case receiving = "reading the response"
        }

        /// The node's address.
        public var endpoint: Endpoint
        /// The request's method.
        public var method: String
        /// The request's target.
        public var path: String
        /// Where it failed.
        public var stage: Stage
        /// Body bytes received before the failure.
        public var bytesReceived: Int
        /// What failed.
        public var underlying: any Error

        public var description: String {
            let progress = stage == .receiving ? " after \(bytesReceived) body bytes" : ""
            return "\(method) \(path) to \(endpoint) failed while \(stage.rawValue)\(progress): \(underlying)"
        }
    }

    /// The node closed the connection before a complete response.
    public struct NodeUnreachable: Error, CustomStringConvertible {
        /// The node's address.
        public var endpoint: Endpoint
        public var description: String { "\(endpoint) closed the connection before answering" }
    }
}
