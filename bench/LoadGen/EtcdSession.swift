import NIOCore
import NIOHPACK
import NIOHTTP2

/// etcd's gRPC API on one HTTP/2 cleartext connection (prior knowledge): each request is
/// one stream carrying a unary `KV/Put` (load) or `KV/Range` (verification); in-flight
/// requests are concurrent streams. The session sits right behind `NIOHTTP2Handler`
/// without a stream multiplexer, so a request costs two frames on the connection channel,
/// not a child channel.
///
/// Without a multiplexer nobody else returns inbound flow-control credit, so the session
/// opens the connection window wide at the start and tops it up as response bytes arrive.
/// Streams are advertised a large initial window, so their responses never stall.
final class EtcdSession: ChannelInboundHandler, LoadSession {
    typealias InboundIn = HTTP2Frame
    typealias OutboundOut = HTTP2Frame
    typealias Shared = EtcdShared

    /// One request's stream.
    private struct StreamState {
        var token: RequestToken
        var isVerify: Bool
        var httpStatus: String?
        var body: ByteBuffer?
    }

    private static let connectionWindow = 16 << 20
    private static let streamWindow = 4 << 20
    /// Client streams use odd ids up to 2^31 - 1.
    private static let lastStreamID = Int(Int32.max)

    private let shared: EtcdShared
    private let connection: LoadConnection<EtcdSession>
    private var context: ChannelHandlerContext?
    private var streams: [HTTP2StreamID: StreamState] = [:]
    private var nextStreamID = 1
    private var settingsSeen = false
    private var unreturnedCredit = 0
    private var putHeaders = HPACKHeaders()
    private var rangeHeaders = HPACKHeaders()
    private var pendingWrites = 0

    private init(shared: EtcdShared, connection: LoadConnection<EtcdSession>) {
        self.shared = shared
        self.connection = connection
    }

    static func install(on channel: any Channel, shared: EtcdShared,
                        connection: LoadConnection<EtcdSession>) throws -> EtcdSession {
        let session = EtcdSession(shared: shared, connection: connection)
        var configuration = NIOHTTP2Handler.ConnectionConfiguration()
        configuration.initialSettings = [
            HTTP2Setting(parameter: .maxConcurrentStreams, value: 100),
            HTTP2Setting(parameter: .initialWindowSize, value: streamWindow),
            HTTP2Setting(parameter: .maxHeaderListSize, value: 64 * 1024),
        ]
        // NB: gRPC servers send a PING per burst for bandwidth estimation, far beyond
        // NIOHTTP2's default DoS budget (200 control frames per 30 s); a benchmark client
        // trusts its server, so the budgets are effectively lifted.
        configuration.controlFrameRateLimit.maximumCount = Int(Int32.max)
        var streamConfiguration = NIOHTTP2Handler.StreamConfiguration()
        streamConfiguration.targetWindowSize = streamWindow
        streamConfiguration.streamResetFrameRateLimit.maximumCount = Int(Int32.max)
        streamConfiguration.streamErrorRateLimit.maximumCount = Int(Int32.max)
        let operations = channel.pipeline.syncOperations
        try operations.addHandler(NIOHTTP2Handler(mode: .client, connectionConfiguration: configuration,
                                                  streamConfiguration: streamConfiguration))
        try operations.addHandler(session)
        return session
    }

    // MARK: - LoadSession

    func write(token: RequestToken, request: SessionRequest) {
        guard let context else { return }
        guard nextStreamID <= Self.lastStreamID - 2 else {
            // Stream ids exhausted (about a billion requests): fail this one and start over.
            context.close(promise: nil)
            return
        }
        let streamID = HTTP2StreamID(nextStreamID)
        nextStreamID += 2
        var body: ByteBuffer
        let headers: HPACKHeaders
        switch request {
        case .load(let sequence):
            body = context.channel.allocator.buffer(capacity: shared.value.readableBytes + 64)
            EtcdMessages.writePut(connection: connection.index, sequence: sequence, value: shared.value, into: &body)
            headers = putHeaders
        case .verify(let key):
            body = context.channel.allocator.buffer(capacity: key.utf8.count + 16)
            EtcdMessages.writeCountRange(key: key, into: &body)
            headers = rangeHeaders
        }
        streams[streamID] = StreamState(token: token, isVerify: request.isVerify)
        context.write(wrapOutboundOut(HTTP2Frame(streamID: streamID, payload: .headers(.init(headers: headers)))),
                      promise: nil)
        context.write(wrapOutboundOut(HTTP2Frame(streamID: streamID,
                                                 payload: .data(.init(data: .byteBuffer(body), endStream: true)))),
                      promise: nil)
        pendingWrites += 1
    }

    func flush() {
        guard let context, pendingWrites > 0 else { return }
        pendingWrites = 0
        context.flush()
    }

    func close() {
        context?.close(promise: nil)
    }

    // MARK: - ChannelInboundHandler

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        // NIOHTTP2Handler, ahead of us, has written the preface and our SETTINGS by now.
        let authority = context.channel.remoteAddress.map(Self.authority) ?? "localhost"
        putHeaders = Self.requestHeaders(path: EtcdMessages.putPath, authority: authority)
        rangeHeaders = Self.requestHeaders(path: EtcdMessages.rangePath, authority: authority)
        connection.sessionActive(self)
        let increment = Self.connectionWindow - 65_535
        context.writeAndFlush(wrapOutboundOut(HTTP2Frame(streamID: .rootStream, payload: .windowUpdate(windowSizeIncrement: increment))),
                              promise: nil)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        connection.sessionClosed(self)
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.payload {
        case .headers(let headers):
            guard streams[frame.streamID] != nil else { return }
            if let status = headers.headers.first(name: ":status"), status != "200" {
                streams[frame.streamID]!.httpStatus = status
            }
            if headers.endStream { finishStream(frame.streamID, trailers: headers.headers) }
        case .data(let data):
            returnCredit(data.data.readableBytes + (data.paddingBytes.map { $0 + 1 } ?? 0), context: context)
            guard streams[frame.streamID] != nil else { return }
            if case .byteBuffer(var bytes) = data.data {
                if streams[frame.streamID]!.body == nil {
                    streams[frame.streamID]!.body = bytes
                } else {
                    streams[frame.streamID]!.body!.writeBuffer(&bytes)
                }
            }
            if data.endStream { finishStream(frame.streamID, trailers: nil) }
        case .rstStream:
            if let state = streams.removeValue(forKey: frame.streamID) {
                connection.complete(state.token, .failed(ErrorKind("stream_reset")))
            }
        case .goAway:
            StandardError.write("connection \(connection.index): etcd sent GOAWAY")
            context.close(promise: nil)
        case .settings(.settings):
            if !settingsSeen {
                settingsSeen = true
                connection.sessionReady(self)
            }
        case .settings(.ack), .ping, .priority, .pushPromise, .windowUpdate, .alternativeService, .origin:
            break
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        connection.readComplete()
        context.fireChannelReadComplete()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let streamError = error as? NIOHTTP2Errors.StreamError {
            if let state = streams.removeValue(forKey: streamError.streamID) {
                connection.complete(state.token, .failed(ErrorKind("stream_error")))
            }
            return
        }
        StandardError.write("connection \(connection.index): \(error)")
        context.close(promise: nil)
    }

    // MARK: - Responses

    /// The stream ended: classify its response by HTTP status, `grpc-status` and body.
    private func finishStream(_ streamID: HTTP2StreamID, trailers: HPACKHeaders?) {
        guard let state = streams.removeValue(forKey: streamID) else { return }
        if let status = state.httpStatus {
            connection.complete(state.token, .failed(ErrorKind("http_\(status)")))
            return
        }
        guard let grpcStatus = trailers?.first(name: "grpc-status") else {
            connection.complete(state.token, .failed(ErrorKind("grpc_no_status")))
            return
        }
        guard grpcStatus == "0" else {
            connection.complete(state.token, .failed(GRPCStatusName.errorKind(grpcStatus)))
            return
        }
        do {
            let message = try EtcdMessages.unframe(state.body ?? ByteBuffer())
            if state.isVerify {
                let count = try EtcdMessages.count(ofRangeResponse: message)
                connection.complete(state.token, count > 0 ? .found : .missing)
            } else {
                let term = try EtcdMessages.raftTerm(ofPutResponse: message)
                connection.complete(state.token, .acked(term: term, record: .etcdKey))
            }
        } catch {
            connection.complete(state.token, .failed(.badResponse))
        }
    }

    /// Gives the server back connection-level credit once a quarter of the window is used.
    private func returnCredit(_ bytes: Int, context: ChannelHandlerContext) {
        unreturnedCredit += bytes
        guard unreturnedCredit >= Self.connectionWindow / 4 else { return }
        let increment = unreturnedCredit
        unreturnedCredit = 0
        context.writeAndFlush(wrapOutboundOut(HTTP2Frame(streamID: .rootStream, payload: .windowUpdate(windowSizeIncrement: increment))),
                              promise: nil)
    }

    private static func requestHeaders(path: String, authority: String) -> HPACKHeaders {
        [
            ":method": "POST",
            ":scheme": "http",
            ":path": path,
            ":authority": authority,
            "content-type": "application/grpc",
            "te": "trailers",
        ]
    }

    private static func authority(_ address: SocketAddress) -> String {
        guard let ip = address.ipAddress, let port = address.port else { return "localhost" }
        return ip.contains(":") ? "[\(ip)]:\(port)" : "\(ip):\(port)"
    }
}

@available(*, unavailable)
extension EtcdSession: Sendable {}

extension SessionRequest {
    /// Whether this is a verification lookup.
    fileprivate var isVerify: Bool {
        if case .verify = self { return true }
        return false
    }
}
