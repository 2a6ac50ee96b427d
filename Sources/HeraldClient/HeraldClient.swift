public import NIOCore
import NIOPosix
import Synchronization
public import Wire

/// A producer's connection to a Herald cluster.
///
/// The client keeps one TCP connection to one node at a time. It tries `addresses` in
/// order and moves on when one is down or (with `followLeader`, the default) names
/// another node as leader; when a connection drops it reconnects to the next address. Requests are pipelined: many may be in flight at once over the one
/// connection, and responses are matched to requests by request id, in whatever order
/// they arrive. A request that is in flight when the connection drops fails with
/// `connectionLost`; retry it (enqueues with the same idempotency key).
///
/// The connection lives inside `run()`; use `withClient` to run it for the length of a
/// closure:
///
/// ```swift
/// let ack = try await HeraldClient.withClient(addresses: nodes) { client in
///     try await client.enqueue(envelope)
/// }
/// ```
public final class HeraldClient: Sendable {
    /// The nodes to try, in order.
    public let addresses: [HeraldServerAddress]
    /// Timeouts and limits.
    public let configuration: HeraldClientConfiguration
    private let eventLoopGroup: any EventLoopGroup

    private struct State {
        /// The welcomed connection, while there is one.
        var connection: ProducerConnection?
        /// The last request id handed out; ids start at 1 (0 is reserved).
        var lastRequestID: UInt64 = 0
        /// Whether `run()` has been called.
        var hasRun = false
    }

    private let state = Mutex(State())
    /// Requests waiting for a connection, keyed by request id.
    private let connectionWaiters = WaiterTable<ProducerConnection>()

    /// Creates a client; nothing connects until `run()`.
    /// - Parameters:
    ///   - addresses: the nodes' client addresses, tried in order; MUST NOT be empty.
    ///   - configuration: timeouts and limits.
    ///   - eventLoopGroup: where the connection runs; NIO's shared singleton group by default.
    public init(addresses: [HeraldServerAddress], configuration: HeraldClientConfiguration = HeraldClientConfiguration(),
                eventLoopGroup: (any EventLoopGroup)? = nil) {
        precondition(!addresses.isEmpty, "a HeraldClient needs at least one address")
        self.addresses = addresses
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup ?? MultiThreadedEventLoopGroup.singleton
    }

    /// Creates a client, runs its connection while `body` runs, and stops it afterwards.
    /// - Parameters:
    ///   - addresses: the nodes' client addresses, tried in order; MUST NOT be empty.
    ///   - configuration: timeouts and limits.
    ///   - eventLoopGroup: where the connection runs; NIO's shared singleton group by default.
    ///   - body: uses the client; requests made after it returns fail with `closed`.
    /// - Returns: what `body` returns.
    /// - Throws: what `body` throws.
    public static func withClient<Output: Sendable>(
        addresses: [HeraldServerAddress], configuration: HeraldClientConfiguration = HeraldClientConfiguration(),
        eventLoopGroup: (any EventLoopGroup)? = nil,
        _ body: (HeraldClient) async throws -> Output
    ) async throws -> Output {
        let client = HeraldClient(addresses: addresses, configuration: configuration, eventLoopGroup: eventLoopGroup)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            return try await body(client)
        }
    }

    /// What the node of the current connection said in `welcome`; `nil` while disconnected.
    public var currentWelcome: ProducerWelcome? { state.withLock { $0.connection?.welcome } }

    /// The address of the current connection; `nil` while disconnected.
    public var currentAddress: HeraldServerAddress? { state.withLock { $0.connection?.address } }

    // MARK: - Sending

    /// Sends one request and waits for its response. At most the node's `maxInFlight`
    /// requests are in flight at once; later ones wait here, in order, within their timeout.
    ///
    /// NB: cancelling the calling task does not abandon the request: it ends with its
    /// response, the loss of its connection, or its timeout.
    /// - Parameters:
    ///   - request: any request but `hello` (the client sends that itself).
    ///   - timeout: how long this request may take, including waiting for a connection;
    ///     `configuration.requestTimeout` when `nil`.
    /// - Returns: the node's response; an `error` response is thrown instead.
    /// - Throws: `HeraldClientError`: `.refused` with the node's code, `.connectionLost`,
    ///   `.timeout`, `.unreachable`, `.invalidRequest`, `.protocolViolation` or `.closed`.
    public func send(_ request: ProducerRequest, timeout: Duration? = nil) async throws(HeraldClientError) -> ProducerResponse {
        let requestID = nextRequestID()
        let frame: Frame
        do {
            frame = try request.frame(requestID: requestID)
        } catch {
            throw HeraldClientError(code: .invalidRequest, detail: error.description)
        }
        let deadline = NIODeadline.now() + TimeAmount(timeout ?? configuration.requestTimeout)

        let connection = try await self.connection(for: requestID.rawValue, deadline: deadline)
        let frameBytes = 1 + frame.payload.readableBytes
        guard frameBytes <= Int(connection.welcome.maxFrameBytes) else {
            throw HeraldClientError(code: .invalidRequest,
                                    detail: "request of \(frameBytes) bytes exceeds the node's limit of \(connection.welcome.maxFrameBytes)")
        }
        try await connection.gate.acquire(requestID.rawValue, deadline: deadline, on: connection.eventLoop)
        defer { connection.gate.release() }
        connection.pending.register(requestID.rawValue, deadline: deadline, on: connection.eventLoop)
        // A failed write closes the connection, which fails this request as connectionLost.
        connection.writer.send(frame)
        switch await connection.pending.wait(requestID.rawValue) {
        case .success(.error(let code, let detail)):
            throw HeraldClientError.refused(ProducerError(code: code, detail: detail))
        case .success(let response):
            return response
        case .failure(let error):
            throw error
        }
    }

    private func nextRequestID() -> ProducerRequestID {
        ProducerRequestID(state.withLock { state in
            state.lastRequestID += 1
            return state.lastRequestID
        })
    }

    /// The current connection, or waits (until `deadline`) for `run()` to make one.
    private func connection(for key: UInt64, deadline: NIODeadline) async throws(HeraldClientError) -> ProducerConnection {
        if let connection = state.withLock({ $0.connection }) { return connection }
        connectionWaiters.register(key, deadline: deadline, on: eventLoopGroup.any())
        // NB: `run()` may have connected between the check and the registration.
        if let connection = state.withLock({ $0.connection }) {
            connectionWaiters.resolve(key, .success(connection))
        }
        return try await connectionWaiters.wait(key).get()
    }

    // MARK: - Connection loop

    /// Keeps a connection open until the task is cancelled: tries the addresses in order,
    /// serves the first that welcomes it (with `followLeader`, the first that leads, else a
    /// follower), and after a drop moves on to the next address.
    /// When a whole round fails, waiting requests fail with `unreachable` and the loop
    /// pauses (doubling from `initialReconnectDelay` to `maxReconnectDelay`) before the
    /// next round. On return every waiting request fails with `closed`.
    ///
    /// MUST be called at most once per client (`withClient` calls it for you).
    public func run() async {
        state.withLock { state in
            precondition(!state.hasRun, "HeraldClient.run() called twice")
            state.hasRun = true
        }
        var nextIndex = 0
        var delay = configuration.initialReconnectDelay
        while !Task.isCancelled {
            var failures: [String] = []
            var served = false
            var shortLived = false
            // With `followLeader`, a follower is passed over while other addresses remain
            // this round; when none leads (or the leader's is down) the first follower is
            // tried once more at the end and kept.
            var order = (0..<addresses.count).map { (nextIndex + $0) % addresses.count }
            var follower: Int?
            var position = 0
            attempts: while position < order.count, !Task.isCancelled {
                let index = order[position]
                position += 1
                do {
                    let started = ContinuousClock.now
                    let passOver = configuration.followLeader && position < order.count
                    switch try await connectAndServe(addresses[index], passOverFollower: passOver) {
                    case .passedOver:
                        follower = follower ?? index
                    case .served:
                        served = true
                        // NB: a node that drops every connection right after `welcome` must not
                        // make the loop spin, so only a connection that lasted resets the pause.
                        shortLived = ContinuousClock.now - started < .seconds(1)
                        nextIndex = (index + 1) % addresses.count
                        break attempts
                    }
                } catch {
                    failures.append("\(addresses[index]): \(error.detail)")
                }
                if position == addresses.count, let follower { order.append(follower) }
            }
            if served && !shortLived {
                delay = configuration.initialReconnectDelay
                continue
            }
            guard !Task.isCancelled else { break }
            if !served {
                connectionWaiters.resolveAll(.failure(HeraldClientError(
                    code: .unreachable, detail: "no node accepted a connection (\(failures.joined(separator: "; ")))")))
            }
            do {
                try await Task.sleep(for: delay)
            } catch {
                break
            }
            delay = min(delay * 2, configuration.maxReconnectDelay)
        }
        connectionWaiters.close(with: HeraldClientError(code: .closed, detail: "the client has stopped"))
    }

    /// How a welcomed connection ended.
    private enum ConnectionEnd {
        /// It served requests until it closed.
        case served
        /// Its node named another node as leader, so it was closed at once.
        case passedOver
    }

    /// Connects to `address`, says `hello`, and reads responses until the connection ends.
    /// - Parameter passOverFollower: close the connection right after `welcome` when the
    ///   node names another node as leader.
    /// - Throws: when no welcomed connection could be made (the caller tries the next
    ///   address); returns once a welcomed connection has ended.
    private func connectAndServe(_ address: HeraldServerAddress,
                                 passOverFollower: Bool) async throws(HeraldClientError) -> ConnectionEnd {
        let channel: NIOAsyncChannel<Frame, Frame>
        let maxFrameBytes = configuration.maxResponseFrameBytes
        do {
            channel = try await ClientBootstrap(group: eventLoopGroup)
                .connectTimeout(TimeAmount(configuration.connectTimeout))
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .connect(host: address.host, port: address.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try ProducerChannel.configure(channel, maxFrameBytes: maxFrameBytes)
                    }
                }
        } catch {
            throw HeraldClientError(code: .unreachable, detail: ConnectFailureDescription.describe(error))
        }

        let helloID = nextRequestID()
        let outcome: Result<ConnectionEnd, HeraldClientError>
        do {
            outcome = try await channel.executeThenClose { inbound, outbound in
                var frames = inbound.makeAsyncIterator()
                let welcome: ProducerWelcome
                switch await handshake(helloID: helloID, channel: channel.channel, frames: &frames, outbound: outbound) {
                case .success(let value): welcome = value
                case .failure(let error): return .failure(error)
                }
                if passOverFollower, let leader = welcome.leader, leader != welcome.node { return .success(.passedOver) }
                let connection = ProducerConnection(address: address, welcome: welcome, channel: channel.channel)
                publish(connection)
                let reason = await readResponses(from: &frames, into: connection)
                unpublish(connection, reason: reason)
                return .success(.served)
            }
        } catch {
            // `executeThenClose` rethrows only what the body throws; the body throws nothing.
            outcome = .failure(HeraldClientError(code: .connectionLost, detail: "\(error)"))
        }
        return try outcome.get()
    }

    /// Sends `hello` and reads the `welcome`, closing the channel if it takes longer than
    /// `connectTimeout`.
    private func handshake(helloID: ProducerRequestID, channel: any Channel,
                           frames: inout NIOAsyncChannelInboundStream<Frame>.AsyncIterator,
                           outbound: NIOAsyncChannelOutboundWriter<Frame>) async -> Result<ProducerWelcome, HeraldClientError> {
        let watchdog = channel.eventLoop.scheduleTask(in: TimeAmount(configuration.connectTimeout)) {
            channel.close(promise: nil)
        }
        defer { watchdog.cancel() }
        do {
            let hello = try ProducerRequest.hello(ProducerHello(clientName: configuration.clientName)).frame(requestID: helloID)
            try await outbound.write(hello)
            guard let frame = try await frames.next() else {
                return .failure(HeraldClientError(code: .unreachable, detail: "closed before welcome"))
            }
            let decoded = try ProducerResponse.decode(frame)
            switch decoded.response {
            case .welcome(let welcome) where decoded.requestID == helloID:
                return .success(welcome)
            case .error(let code, let detail):
                return .failure(HeraldClientError(code: .unreachable, detail: "refused hello: \(ProducerError(code: code, detail: detail))",
                                                  producerError: ProducerError(code: code, detail: detail)))
            default:
                return .failure(HeraldClientError(code: .protocolViolation, detail: "expected welcome, got \(decoded.response.kind)"))
            }
        } catch let error as WireError {
            return .failure(HeraldClientError(code: .protocolViolation, detail: error.description))
        } catch {
            return .failure(HeraldClientError(code: .unreachable, detail: "\(error)"))
        }
    }

    /// Resolves pending requests from incoming frames until the connection ends.
    /// - Returns: why the connection ended.
    private func readResponses(from frames: inout NIOAsyncChannelInboundStream<Frame>.AsyncIterator,
                               into connection: ProducerConnection) async -> HeraldClientError {
        var connectionError: ProducerError?
        do {
            while let frame = try await frames.next() {
                let decoded = try ProducerResponse.decode(frame)
                if decoded.requestID == .connection {
                    // The node refused the connection as a whole (an oversized frame); it closes next.
                    if case .error(let code, let detail) = decoded.response {
                        connectionError = ProducerError(code: code, detail: detail)
                    }
                    continue
                }
                connection.pending.resolve(decoded.requestID.rawValue, .success(decoded.response))
            }
        } catch let error as WireError {
            // NB: the requests in flight may still have taken effect, so they fail as
            // connectionLost (retryable), with the reason in the detail.
            return HeraldClientError(code: .connectionLost, detail: "\(connection.address) sent bytes that do not decode (\(error))")
        } catch {
            return HeraldClientError(code: .connectionLost, detail: "connection to \(connection.address) failed: \(error)")
        }
        if let connectionError {
            return HeraldClientError(code: .connectionLost, detail: "\(connection.address) closed the connection: \(connectionError)",
                                     producerError: connectionError)
        }
        return HeraldClientError(code: .connectionLost, detail: "\(connection.address) closed the connection")
    }

    private func publish(_ connection: ProducerConnection) {
        state.withLock { $0.connection = connection }
        connectionWaiters.resolveAll(.success(connection))
    }

    private func unpublish(_ connection: ProducerConnection, reason: HeraldClientError) {
        state.withLock { state in
            if state.connection === connection { state.connection = nil }
        }
        connection.gate.close(with: reason)
        connection.pending.close(with: reason)
    }
}
