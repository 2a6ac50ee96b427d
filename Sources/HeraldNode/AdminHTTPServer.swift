public import HeraldConfig
public import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
public import ServiceLifecycle

/// What the HTTP endpoint asks the node, once per request.
public protocol AdminEndpoints: Sendable {
    /// The node's status, served as JSON at `/v1/status`.
    func status() async -> NodeStatus
    /// Every metric in Prometheus text format, for `/metrics`.
    func metrics() async -> String
    /// Takes a backup now (`POST /v1/backup`): a JSON description of it, or why not.
    func backup() async -> Result<String, BackupUnavailable>
    /// Part of a kept snapshot (`GET /v1/snapshots/...`), or why not.
    func snapshotBytes(_ request: SnapshotBytesRequest) async -> SnapshotBytesAnswer
}

/// Why `POST /v1/backup` could not take a backup.
public struct BackupUnavailable: Error, Sendable {
    /// The sentence for the operator.
    public var reason: String
    /// Creates the error.
    public init(reason: String) { self.reason = reason }
}

/// The node's HTTP endpoint: `/healthz` (the process is up), `/readyz` (the node
/// knows a leader and has applied what it knows committed), `/metrics` (Prometheus
/// text), `/v1/status` (JSON describing this node and its view of the cluster),
/// `POST /v1/backup` (take a backup now) and `/v1/snapshots/...` (kept state snapshots,
/// fetched by followers that install them; see `SnapshotBytesRequest`).
public struct AdminHTTPServer: Service {

    /// Where it listens.
    let endpoint: Endpoint
    /// The connections being served now.
    let connections: ConnectionSlots
    private let endpoints: any AdminEndpoints
    private let logger: Logger
    /// Connections served at once; more are closed as they arrive.
    /// A connection with nothing read or written for this long is closed.
    private let idleTimeout: Duration

    /// Creates the server; it binds in `run()`.
    /// - Parameters:
    ///   - endpoint: where to listen.
    ///   - logger: where to log.
    ///   - endpoints: answers the requests.
    ///   - maxConnections: connections served at once (default 128); more are closed
    ///     at once, so clients cannot take the descriptors the stores need.
    ///   - idleTimeout: how long a connection may stay silent (default 60 s).
    public init(endpoint: Endpoint, logger: Logger, endpoints: any AdminEndpoints, maxConnections: Int = 128,
                idleTimeout: Duration = .seconds(60)) {
        self.endpoint = endpoint
        self.logger = logger
        self.endpoints = endpoints
        self.connections = ConnectionSlots(limit: maxConnections)
        self.idleTimeout = idleTimeout
    }

    /// Binds, serves until graceful shutdown, then closes.
    /// - Throws: when the address cannot be bound.
    public func run() async throws {
        let idle = TimeAmount(idleTimeout)
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: endpoint.host, port: endpoint.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(IdleStateHandler(allTimeout: idle))
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(IdleConnectionCloser())
                    return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(
                        wrappingChannelSynchronously: channel)
                }
            }
        logger.info("http listening", metadata: ["address": "\(endpoint)"])
        try await withThrowingDiscardingTaskGroup { group in
            try await server.executeThenClose { inbound in
                for try await connection in inbound.cancelOnGracefulShutdown() {
                    guard connections.take() else {
                        logger.warning("http connection refused: too many open", metadata: ["limit": "\(connections.limit)"])
                        try? await connection.channel.close()
                        continue
                    }
                    group.addTask {
                        defer { connections.give() }
                        await serve(connection)
                    }
                }
            }
        }
    }

    private func serve(_ connection: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>) async {
        do {
            try await connection.executeThenClose { inbound, _ in
                var head: HTTPRequestHead?
                // NB: ends at graceful shutdown: a keep-alive client (a Prometheus scraper)
                // otherwise held the server, and with it the node's whole shutdown, open.
                for try await part in inbound.cancelOnGracefulShutdown() {
                    switch part {
                    case .head(let requestHead):
                        head = requestHead
                    case .body:
                        continue
                    case .end:
                        guard let request = head else { continue }
                        let response = await respond(to: request)
                        var headers = HTTPHeaders()
                        headers.add(name: "Content-Type", value: response.contentType)
                        headers.add(name: "Content-Length", value: "\(response.body.readableBytes)")
                        let keepAlive = request.isKeepAlive
                        headers.add(name: "Connection", value: keepAlive ? "keep-alive" : "close")
                        // Written on the channel, not through `outbound`, to wait until the
                        // kernel has every byte: closing the channel drops writes still
                        // pending in NIO, which cut multi-megabyte snapshot chunks short
                        // when the reader was slower than the disk.
                        let channel = connection.channel
                        channel.write(HTTPServerResponsePart.head(
                            HTTPResponseHead(version: request.version, status: response.status, headers: headers)),
                                      promise: nil)
                        channel.write(HTTPServerResponsePart.body(.byteBuffer(response.body)), promise: nil)
                        try await channel.writeAndFlush(HTTPServerResponsePart.end(nil)).get()
                        if !keepAlive { return }
                        head = nil
                    }
                }
            }
        } catch {
            logger.debug("http connection ended", metadata: ["error": "\(error)"])
        }
    }

    private func respond(to request: HTTPRequestHead) async -> (status: HTTPResponseStatus, contentType: String, body: ByteBuffer) {
        if request.method == .GET, let snapshotRequest = SnapshotBytesRequest(target: request.uri) {
            switch await endpoints.snapshotBytes(snapshotRequest) {
            case .bytes(let bytes): return (.ok, "application/octet-stream", ByteBuffer(bytes: bytes))
            case .notKept: return (.notFound, "text/plain", ByteBuffer(string: "snapshot not kept here\n"))
            case .replaced: return (.gone, "text/plain", ByteBuffer(string: "snapshot replaced by a newer one\n"))
            case .outOfRange: return (.rangeNotSatisfiable, "text/plain", ByteBuffer(string: "offset past the end of the file\n"))
            }
        }
        let (status, contentType, body) = await respondText(to: request)
        return (status, contentType, ByteBuffer(string: body))
    }

    private func respondText(to request: HTTPRequestHead) async -> (status: HTTPResponseStatus, contentType: String, body: String) {
        let path = request.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? request.uri
        if path == "/v1/backup" {
            guard request.method == .POST else { return (.methodNotAllowed, "text/plain", "use POST\n") }
            switch await endpoints.backup() {
            case .success(let json): return (.ok, "application/json", json + "\n")
            case .failure(let error): return (.serviceUnavailable, "text/plain", error.reason + "\n")
            }
        }
        guard request.method == .GET || request.method == .HEAD else {
            return (.methodNotAllowed, "text/plain", "method not allowed\n")
        }
        switch path {
        case "/healthz":
            return (.ok, "text/plain", "ok\n")
        case "/readyz":
            let status = await endpoints.status()
            if let reason = status.notReadyReason {
                return (.serviceUnavailable, "text/plain", "not ready: \(reason)\n")
            }
            return (.ok, "text/plain", "ready\n")
        case "/metrics":
            return (.ok, "text/plain; version=0.0.4", await endpoints.metrics())
        case "/v1/status":
            return (.ok, "application/json", await endpoints.status().json + "\n")
        default:
            return (.notFound, "text/plain", "not found: \(path)\n")
        }
    }
}
