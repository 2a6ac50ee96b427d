import HeraldClient
import HeraldConfig
import Logging
import RaftCore
import ServiceLifecycle
import Synchronization
import Wire

/// Relays producer requests from a follower to the leader over the leader's producer
/// port, so producers may talk to any node. One pipelined connection per leader is kept
/// open and reused. A forwarded connection says so in its hello's client name, and the
/// receiving node never forwards such a request again (no loops while leadership moves).
final class LeaderForwarder: Service, Sendable {
    /// Client names of forwarding connections start with this.
    static let clientNamePrefix = "herald-forward/"

    private let me: NodeID
    private let addresses: [NodeID: Endpoint]
    private let requestTimeout: Duration
    private let clients = Mutex<[NodeID: HeraldClient]>([:])
    private let started: AsyncStream<HeraldClient>
    private let start: AsyncStream<HeraldClient>.Continuation
    private let logger: Logger

    /// - Parameters:
    ///   - me: this node (named in the hello).
    ///   - addresses: every node's producer address.
    ///   - requestTimeout: how long a forwarded request may take. NB: below the clients'
    ///     own default (30 s), so a producer hears the follower's answer (`outcomeUnknown`
    ///     for a write) before it gives up itself.
    init(me: NodeID, addresses: [NodeID: Endpoint], requestTimeout: Duration = .seconds(25), logger: Logger) {
        self.me = me
        self.addresses = addresses
        self.requestTimeout = requestTimeout
        self.logger = logger
        (started, start) = AsyncStream<HeraldClient>.makeStream()
    }

    /// Runs every leader connection until shutdown.
    func run() async throws {
        await withDiscardingTaskGroup { group in
            for await client in started.cancelOnGracefulShutdown() {
                group.addTask { await client.run() }
            }
            group.cancelAll()
        }
    }

    /// Sends `request` to `leader` and returns its answer, errors included.
    func forward(_ request: ProducerRequest, to leader: NodeID) async -> ProducerResponse {
        guard let client = client(for: leader) else {
            return .error(.unavailable, detail: "leader \(leader) has no known producer address")
        }
        do {
            return try await client.send(request)
        } catch {
            switch error.code {
            case .refused:
                if let refusal = error.producerError { return .error(refusal.code, detail: refusal.detail) }
                return .error(.unavailable, detail: "\(error)")
            case .connectionLost, .timeout:
                let isWrite: Bool = switch request {
                case .enqueue, .enqueueBatch, .cancel, .suppressAdd, .suppressRemove: true
                default: false
                }
                return isWrite
                    ? .error(.outcomeUnknown, detail: "forwarding to leader \(leader) failed mid-request (\(error)); retry with the same idempotency key")
                    : .error(.unavailable, detail: "forwarding to leader \(leader) failed (\(error)); retry")
            default:
                return .error(.unavailable, detail: "cannot reach leader \(leader) (\(error)); retry")
            }
        }
    }

    private func client(for leader: NodeID) -> HeraldClient? {
        guard let address = addresses[leader] else { return nil }
        return clients.withLock { clients in
            if let existing = clients[leader] { return existing }
            let client = HeraldClient(
                addresses: [HeraldServerAddress(host: address.host, port: address.port)],
                configuration: HeraldClientConfiguration(clientName: "\(Self.clientNamePrefix)\(me)",
                                                         requestTimeout: requestTimeout, connectTimeout: .seconds(2)))
            clients[leader] = client
            start.yield(client)
            return client
        }
    }
}
