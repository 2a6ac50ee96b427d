import HeraldConfig
import Logging
import NIOCore
import NIOPosix
import RaftCore
import ServiceLifecycle
import Synchronization
import Wire

/// The producer protocol's listener (docs/protocol.md). Each connection says hello,
/// then pipelines requests; each request runs concurrently and its response is
/// written as soon as it is ready.
///
/// Bounded everywhere: at most `maxInFlight` requests per connection and
/// `maxBufferedBytes` of request frames across the node are in progress; beyond that
/// a request is answered `overloaded` at once. A malformed frame gets an error and
/// the connection is closed; other connections are unaffected.
final class ProducerServer: Service, Sendable {
    private let listenAddress: Endpoint
    private let me: NodeID
    private let handler: ProducerRequestHandler
    private let metrics: NodeMetrics
    private let leader: @Sendable () -> NodeID?
    private let logger: Logger
    private let maxFrameBytes: Int
    private let maxInFlight: Int
    private let maxBufferedBytes: Int
    /// The hello must arrive within this time of connecting.
    private let helloTimeout: TimeAmount
    /// A frame (after its first byte) must arrive whole within this time.
    private let frameDeadline: TimeAmount
    /// Bytes of request frames being worked on, across all connections.
    private let bufferedBytes = Mutex(0)
    private let connections = OpenConnections()

    init(listenAddress: Endpoint, me: NodeID, handler: ProducerRequestHandler, metrics: NodeMetrics, logger: Logger,
         leader: @escaping @Sendable () -> NodeID?,
         maxFrameBytes: Int = ProducerLimits.defaultMaxFrameBytes, maxInFlight: Int = ProducerLimits.defaultMaxInFlight,
         maxBufferedBytes: Int = 256 << 20, helloTimeout: TimeAmount = .seconds(10),
         frameDeadline: TimeAmount = .seconds(30)) {
        self.listenAddress = listenAddress
        self.me = me
        self.handler = handler
        self.metrics = metrics
        self.logger = logger
        self.leader = leader
        self.maxFrameBytes = maxFrameBytes
        self.maxInFlight = maxInFlight
        self.maxBufferedBytes = maxBufferedBytes
        self.helloTimeout = helloTimeout
        self.frameDeadline = frameDeadline
    }

    func run() async throws {
        let limit = maxFrameBytes
        let frameDeadline = self.frameDeadline
        let helloTimeout = self.helloTimeout
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            // A client that ends its side after its last request still gets the answers.
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .bind(host: listenAddress.host, port: listenAddress.port) { channel in
                channel.eventLoop.makeCompletedFuture { () -> any Channel in
                    try FramedChannel.addFrameHandlers(to: channel, maxFrameBytes: limit, frameDeadline: frameDeadline)
                    try channel.pipeline.syncOperations.addHandler(HelloTimeoutHandler(limit: helloTimeout))
                    try channel.pipeline.syncOperations.addHandler(ProducerConnectionHandler(server: self))
                    self.connections.track(channel)
                    return channel
                }
            }
        logger.info("producer protocol listening", metadata: ["address": "\(listenAddress)"])
        try await server.executeThenClose { inbound in
            // Each connection is served by its handler; the loop only takes them.
            for try await _ in inbound.cancelOnGracefulShutdown() {}
        }
        // Stop reading requests; what was accepted is answered before each closes.
        await connections.closeAll(mode: .input)
    }

    /// Answers a connection's first frame.
    /// - Returns: whether the connection comes from another node's forwarder, or nil
    ///   when the frame is not an acceptable hello (it has been answered with an error;
    ///   the connection is to be closed).
    func greet(_ first: Frame, responder: CoalescingFrameWriter) -> Bool? {
        let decoded = try? ProducerRequest.decode(first)
        guard let (helloID, hello) = decoded, case .hello(let greeting) = hello else {
            // A hello whose payload does not decode is malformed; anything else is not a hello.
            let response = first.kind == ProducerFrameKind.hello.rawValue && decoded == nil
                ? ProducerResponse.error(.malformedRequest, detail: "the hello does not decode")
                : ProducerResponse.error(.helloRequired, detail: "the first frame must be hello")
            responder.send(response.frame(requestID: ProducerRequest.requestID(in: first)))
            return nil
        }
        guard greeting.version == ProducerLimits.version else {
            responder.send(ProducerResponse.error(.unsupportedVersion,
                                                   detail: "version \(greeting.version) is not supported; this node speaks \(ProducerLimits.version)")
                .frame(requestID: helloID))
            return nil
        }
        let welcome = ProducerWelcome(node: me, leader: leader(), maxFrameBytes: UInt32(maxFrameBytes),
                                      maxInFlight: UInt32(maxInFlight))
        responder.send(ProducerResponse.welcome(welcome).frame(requestID: helloID))
        return greeting.clientName.hasPrefix(LeaderForwarder.clientNamePrefix)
    }

    /// Starts one request after the hello: an enqueue at the leader goes to the Raft
    /// loop at once; anything else runs in a task. Refused with `overloaded` beyond the
    /// connection's or the node's limits.
    func serve(_ frame: Frame, forwarded: Bool, responder: CoalescingFrameWriter, inFlight: InFlightCount) {
        let requestID = ProducerRequest.requestID(in: frame)
        let request: ProducerRequest
        do {
            request = try ProducerRequest.decode(frame).request
        } catch {
            let code: ProducerErrorCode = if case .unknownKind = error { .unknownRequest } else { .malformedRequest }
            responder.send(ProducerResponse.error(code, detail: "\(error)").frame(requestID: requestID))
            return
        }
        let size = frame.payload.readableBytes + Frame.headerBytes
        guard admit(size, inFlight: inFlight) else {
            responder.send(ProducerResponse.error(.overloaded,
                                                   detail: "too many requests in flight (limit \(maxInFlight) per connection); retry later")
                .frame(requestID: requestID))
            return
        }
        // NB: the answer keeps the request's kind, not the request: an enqueue's message
        // bytes are not held until its entry commits.
        let kind = request.kind
        let answer: @Sendable (ProducerResponse) -> Void = { [metrics] response in
            metrics.recordAnswer(to: kind, response, forwarded: forwarded)
            responder.send(response.frame(requestID: requestID))
            self.release(size, inFlight: inFlight)
        }
        if case .enqueue(let envelope) = request, handler.enqueueIfLeading(envelope, completion: answer) {
            return
        }
        Task { [handler] in
            answer(await handler.respond(to: request, forwarded: forwarded))
        }
    }

    private func admit(_ size: Int, inFlight: InFlightCount) -> Bool {
        guard inFlight.tryAcquire(limit: maxInFlight) else { return false }
        let nodeOK = bufferedBytes.withLock { total -> Bool in
            guard total + size <= maxBufferedBytes else { return false }
            total += size
            return true
        }
        if !nodeOK { inFlight.release() }
        return nodeOK
    }

    private func release(_ size: Int, inFlight: InFlightCount) {
        bufferedBytes.withLock { $0 -= size }
        inFlight.release()
    }

    /// Answers a framing error on the connection (an I/O error has nobody to answer).
    func respondToFramingError(_ error: any Error, responder: CoalescingFrameWriter) {
        let code: ProducerErrorCode
        switch error as? WireError {
        case .frameTooLarge: code = .frameTooLarge
        case .some: code = .malformedRequest
        case nil: return  // the connection failed; nobody to answer
        }
        responder.send(ProducerResponse.error(code, detail: "\(error); closing the connection").frame(requestID: .connection))
    }
}

/// Requests in progress on one connection, and who waits for none to be left.
final class InFlightCount: Sendable {
    private struct State {
        var count = 0
        var drainWaiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    /// Starts one request unless `limit` are already in progress.
    func tryAcquire(limit: Int) -> Bool {
        state.withLock { state in
            guard state.count < limit else { return false }
            state.count += 1
            return true
        }
    }

    /// Ends one request; wakes `drained()` when it was the last.
    func release() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.count -= 1
            return state.count == 0 ? state.drainWaiter.take() : nil
        }
        waiter?.resume()
    }

    /// Waits until no request is in progress. One waiter at most.
    func drained() async {
        await withCheckedContinuation { continuation in
            let idle = state.withLock { state -> Bool in
                if state.count == 0 { return true }
                state.drainWaiter = continuation
                return false
            }
            if idle { continuation.resume() }
        }
    }
}
