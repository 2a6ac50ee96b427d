/// A validated cluster configuration: every node, where it listens, where it keeps its
/// data, and the Raft timings. Produced only by `ConfigLoader`, so every instance is valid.
public struct ClusterConfig: Equatable, Sendable {
    /// A name for the cluster; peers refuse traffic carrying another cluster's name.
    public var clusterName: String
    /// The directory under which each node keeps `node-<id>/` (absolute, or relative to
    /// the working directory when the config file was loaded from a relative path).
    public var dataDirectory: String
    /// Raft timings shared by every node.
    public var raft: RaftTimings
    /// The members, in file order.
    public var nodes: [NodeConfig]
    /// Scheduled backups of each node's state, if configured.
    public var backup: BackupSchedule?
    /// Limits that protect each node's data disk.
    public var storage: StorageLimits
    /// How long idempotency keys are remembered.
    public var idempotency: IdempotencySettings

    /// Creates a configuration; use `ConfigLoader` to get a validated one from a file.
    public init(clusterName: String, dataDirectory: String, raft: RaftTimings, nodes: [NodeConfig],
                backup: BackupSchedule? = nil, storage: StorageLimits = StorageLimits(),
                idempotency: IdempotencySettings = IdempotencySettings()) {
        self.clusterName = clusterName
        self.dataDirectory = dataDirectory
        self.raft = raft
        self.nodes = nodes
        self.backup = backup
        self.storage = storage
        self.idempotency = idempotency
    }

    /// Where node `node` keeps its backups, if backups are configured.
    public func backupDirectory(of node: NodeConfig) -> String? {
        backup.map { "\($0.directory)/node-\(node.id)" }
    }

    /// The node with `id`, if it is a member.
    public func node(_ id: UInt64) -> NodeConfig? { nodes.first { $0.id == id } }

    /// Where node `id` keeps its files.
    public func dataDirectory(of node: NodeConfig) -> String {
        node.dataDirectory ?? "\(dataDirectory)/node-\(node.id)"
    }
}

/// One member of the cluster.
public struct NodeConfig: Equatable, Sendable {
    /// The node's Raft identity, unique in the cluster and never reused; at least 1.
    public var id: UInt64
    /// The region the node runs in, for spreading partition ownership.
    public var region: String
    /// Raft traffic between nodes.
    public var peerAddress: Endpoint
    /// The producer protocol.
    public var clientAddress: Endpoint
    /// Health, readiness, metrics and the admin API.
    public var httpAddress: Endpoint
    /// Overrides `ClusterConfig.dataDirectory/node-<id>` for this node.
    public var dataDirectory: String?

    /// Creates a node entry.
    public init(id: UInt64, region: String, peerAddress: Endpoint, clientAddress: Endpoint,
                httpAddress: Endpoint, dataDirectory: String? = nil) {
        self.id = id
        self.region = region
        self.peerAddress = peerAddress
        self.clientAddress = clientAddress
        self.httpAddress = httpAddress
        self.dataDirectory = dataDirectory
    }
}

/// Raft timings. A tick is the unit of Raft time; heartbeats and elections count ticks.
public struct RaftTimings: Equatable, Sendable {
    /// Milliseconds per tick.
    public var tickMilliseconds: Int
    /// Ticks between leader heartbeats.
    public var heartbeatTicks: Int
    /// Ticks without a leader before a follower campaigns; MUST exceed `heartbeatTicks`.
    public var electionTicks: Int
    /// Applied entries after which a node snapshots its state and compacts its log.
    public var snapshotEntries: Int

    /// The default for `snapshotEntries`.
    public static let defaultSnapshotEntries = 100_000

    /// Creates timings.
    public init(tickMilliseconds: Int, heartbeatTicks: Int, electionTicks: Int,
                snapshotEntries: Int = RaftTimings.defaultSnapshotEntries) {
        self.tickMilliseconds = tickMilliseconds
        self.heartbeatTicks = heartbeatTicks
        self.electionTicks = electionTicks
        self.snapshotEntries = snapshotEntries
    }
}

/// Backups of each node's state store, taken on a schedule and on demand.
public struct BackupSchedule: Equatable, Sendable {
    /// The directory holding `node-<id>/` backup sets (absolute, or resolved like
    /// `dataDirectory`). Put it on another disk than the data.
    public var directory: String
    /// Minutes between scheduled backups; 0 takes backups only on demand.
    public var intervalMinutes: Int
    /// How many backups to keep per node; older ones are purged after each backup.
    public var keep: Int

    /// Creates a schedule.
    public init(directory: String, intervalMinutes: Int, keep: Int) {
        self.directory = directory
        self.intervalMinutes = intervalMinutes
        self.keep = keep
    }
}
