public import Wire

/// How a `HeraldClient` connects and how long it waits.
public struct HeraldClientConfiguration: Sendable {
    /// Sent in `hello`, for the node's logs; at most 256 bytes.
    public var clientName: String
    /// How long one request may take, including waiting for a connection.
    public var requestTimeout: Duration
    /// How long to wait for a TCP connection and the `welcome` from one address.
    public var connectTimeout: Duration
    /// The first pause after every address failed; it doubles up to `maxReconnectDelay`.
    public var initialReconnectDelay: Duration
    /// The longest pause between rounds of connection attempts.
    public var maxReconnectDelay: Duration
    /// The largest response frame accepted from a node.
    public var maxResponseFrameBytes: Int
    /// Prefer the leader: when a node's `welcome` names another node as leader, try the
    /// next address instead (at most one round; a follower is used when no address
    /// leads). Requests then skip the hop a follower makes to forward them, which costs
    /// the cluster a fifth to a quarter of its enqueue throughput. Off: stay on the first
    /// node that answers.
    public var followLeader: Bool

    /// Creates a configuration.
    public init(clientName: String = "herald-swift-client", requestTimeout: Duration = .seconds(30),
                connectTimeout: Duration = .seconds(5), initialReconnectDelay: Duration = .milliseconds(100),
                maxReconnectDelay: Duration = .seconds(5),
                maxResponseFrameBytes: Int = 2 * ProducerLimits.defaultMaxFrameBytes, followLeader: Bool = true) {
        self.clientName = clientName
        self.requestTimeout = requestTimeout
        self.connectTimeout = connectTimeout
        self.initialReconnectDelay = initialReconnectDelay
        self.maxReconnectDelay = maxReconnectDelay
        self.maxResponseFrameBytes = maxResponseFrameBytes
        self.followLeader = followLeader
    }
}
