import Dispatch
import Foundation
public import HeraldConfig
public import Logging
import LogStore
import QueueModel
import RaftCore
import ServiceLifecycle
import StateStore
import Synchronization
import UnixSignals

/// One Herald node, assembled from the cluster configuration: its data directory,
/// Raft log, state store, Raft loop, peer transport and HTTP endpoint, run as one
/// `ServiceGroup` that stops cleanly on SIGTERM or SIGINT.
public struct HeraldNodeRuntime {
    private let cluster: ClusterConfig
    private let node: NodeConfig
    private let logger: Logger
    private let peerListenAddress: Endpoint

    /// Prepares a node; nothing is opened until `run()`.
    /// - Parameters:
    ///   - cluster: the validated configuration.
    ///   - node: this node's entry in it.
    ///   - peerListenAddress: where to accept peer connections when it differs from the
    ///     address peers dial (`node.peerAddress`), e.g. behind NAT or a proxy.
    ///   - logger: where to log.
    public init(cluster: ClusterConfig, node: NodeConfig, peerListenAddress: Endpoint? = nil, logger: Logger) {
        self.cluster = cluster
        self.node = node
        self.peerListenAddress = peerListenAddress ?? node.peerAddress
        self.logger = logger
    }

    /// Why the node could not start.
    public struct StartError: Error, CustomStringConvertible {
        /// The sentence for the operator.
        public let description: String
    }

    /// Opens the node's storage, then runs every service until shutdown.
    /// - Throws: `StartError` when the data directory or a store cannot be opened;
    ///   any error a service stops with.
    public func run() async throws {
        let directory: DataDirectory
        do {
            directory = try DataDirectory(path: cluster.dataDirectory(of: node))
        } catch {
            throw StartError(description: "\(error)")
        }
        logger.info("starting", metadata: ["cluster": "\(cluster.clusterName)", "data": "\(directory.path)"])
        let files = OpenFileLimit.raiseToHardLimit()
        if files.soft < OpenFileLimit.recommended {
            logger.warning("the open files limit is low; raise it (LimitNOFILE= in a systemd unit, ulimits in compose)",
                           metadata: ["limit": "\(files.soft)", "recommended": "\(OpenFileLimit.recommended)"])
        } else {
            logger.info("open files limit", metadata: ["limit": "\(files.soft)"])
        }
        if let interrupted = NodeRestore.interruptedRestore(in: directory.path) {
            throw StartError(description: interrupted.description)
        }

        let modelConfig = QueueModelConfig(idempotencyWindow: UInt64(cluster.idempotency.windowSeconds) * 1000)
        let log: LogStore
        let applier: QueueApplier
        let snapshots: NodeSnapshots
        var adminEndpoints: [NodeID: Endpoint] = [:]
        for other in cluster.nodes where other.id != node.id { adminEndpoints[NodeID(other.id)] = other.httpAddress }
        do {
            log = try LogStore(directory: directory.path + "/raft")
            let store = try StateStore(path: directory.path + "/state", options: QueueApplier.storeOptions)
            applier = try QueueApplier(store: store, config: modelConfig)
            snapshots = try NodeSnapshots(nodeDirectory: directory.path, applier: applier, sources: adminEndpoints,
                                          logger: logger)
        } catch {
            throw StartError(description: "cannot open the stores in \(directory.path): \(error)")
        }

        let me = NodeID(node.id)
        let timings = cluster.raft
        // Bounded replication bursts: 256 KiB appends, at most 16 MiB in flight per follower.
        // NB: entries no larger than a log record can hold: a larger one passed the core's
        // check, went to the followers, and every store then refused it (the whole
        // cluster stopped).
        let raftConfig = RaftConfig(id: me, electionTicks: timings.electionTicks, heartbeatTicks: timings.heartbeatTicks,
                                    maxMessageBytes: 256 << 10, maxInflightMessages: 64, maxInflightBytes: 16 << 20,
                                    maxEntryBytes: log.options.maxEntryDataBytes)
        let voters = Set(cluster.nodes.map { NodeID($0.id) })
        let transportSlot = Mutex<PeerTransport?>(nil)
        let raft = RaftService(
            config: raftConfig, tickInterval: .milliseconds(timings.tickMilliseconds),
            initialMembership: Membership(voters: voters), log: log, applier: applier, snapshots: snapshots,
            compaction: CompactionPolicy(entries: timings.snapshotEntries, stagger: Self.snapshotStagger(of: me, among: voters)),
            seed: UInt64.random(in: 1...UInt64.max), logger: logger
        ) { messages in
            transportSlot.withLock { $0 }?.send(messages)
        }
        var peers: [NodeID: Endpoint] = [:]
        for other in cluster.nodes where other.id != node.id { peers[NodeID(other.id)] = other.peerAddress }
        let transport = PeerTransport(
            clusterName: cluster.clusterName, me: me, listenAddress: peerListenAddress, peers: peers, logger: logger,
            deliver: { raft.receive($0) }, unreachable: { raft.reportUnreachable($0) },
            peerDown: { raft.reportPeerDown($0) })
        transportSlot.withLock { $0 = transport }

        let started = ContinuousClock.now
        let metrics = NodeMetrics()
        let diskSpace = DiskSpaceGuard(path: directory.path, minimumFreeBytes: cluster.storage.minFreeBytes, logger: logger)
        var backups: BackupService?
        if let schedule = cluster.backup, let backupDirectory = cluster.backupDirectory(of: node) {
            do {
                backups = try BackupService(directory: backupDirectory, store: applier.store,
                                            scratchDirectory: directory.path + "/backup.partial", schedule: schedule,
                                            logger: logger)
            } catch {
                throw StartError(description: "cannot open the backup directory \(backupDirectory): \(error)")
            }
        }
        let endpoints = NodeEndpoints(cluster: cluster, node: node, raft: raft, applier: applier, snapshots: snapshots,
                                      transport: transport, backups: backups, metricsRegistry: metrics,
                                      diskSpace: diskSpace, started: started)
        let http = AdminHTTPServer(endpoint: node.httpAddress, logger: logger, endpoints: endpoints)

        var producerAddresses: [NodeID: Endpoint] = [:]
        for member in cluster.nodes { producerAddresses[NodeID(member.id)] = member.clientAddress }
        let forwarder = LeaderForwarder(me: me, addresses: producerAddresses, logger: logger)
        let clusterStatus = ClusterStatusCache { [cluster] in await ClusterStatusCollector(cluster: cluster).collect() }
        let handler = ProducerRequestHandler(
            me: me, raft: raft, applier: applier, machine: QueueStateMachine(config: modelConfig), validator: EnvelopeValidator(),
            forwarder: forwarder, diskSpace: diskSpace, clusterStatus: { await clusterStatus.report() })
        let producers = ProducerServer(listenAddress: node.clientAddress, me: me, handler: handler, metrics: metrics, logger: logger,
                                       leader: { raft.currentStatus.leader })
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: SpecializedRaftService(raft: raft)),
                    .init(service: transport),
                    .init(service: forwarder),
                    .init(service: producers),
                    .init(service: http),
                    .init(service: IdempotencyKeyExpirer(
                        raft: raft, windowMilliseconds: modelConfig.idempotencyWindow, logger: logger)),
                ] + (backups.map { [.init(service: $0)] } ?? []),
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        try await group.run()
        logger.info("stopped")
        withExtendedLifetime(directory) {}
    }

    /// This member's share of a snapshot interval by which its snapshots come later than
    /// the first member's: its rank among the voters over their count (0, ⅓, ⅔ of three).
    /// Snapshots at the same index made every node flush and checkpoint at once.
    static func snapshotStagger(of member: NodeID, among voters: Set<NodeID>) -> Double {
        let rank = voters.filter { $0 < member }.count
        return Double(rank) / Double(max(voters.count, 1))
    }
}

/// Answers the HTTP endpoint from the running services.
struct NodeEndpoints: AdminEndpoints {
    let cluster: ClusterConfig
    let node: NodeConfig
    let raft: RaftService<QueueApplier>
    let applier: QueueApplier
    let snapshots: NodeSnapshots
    let transport: PeerTransport
    let backups: BackupService?
    let metricsRegistry: NodeMetrics
    let diskSpace: DiskSpaceGuard
    let started: ContinuousClock.Instant

    func metrics() async -> String {
        let id = NodeID(node.id)
        let sampled = NodeMetrics.nodeCounters(
            node: id, loop: raft.statistics, log: raft.logStatistics,
            installs: snapshots.installs.load(ordering: .relaxed),
            fetchFailures: snapshots.fetchFailures.load(ordering: .relaxed))
        return await status().prometheusGauges
            + metricsRegistry.renderCounters(sampled: sampled.merging(NodeMetrics.droppedBatches(node: id, transport.droppedBatches)))
    }

    func backup() async -> Result<String, BackupUnavailable> {
        guard let backups else {
            return .failure(BackupUnavailable(reason: "backups are not configured (add a \"backup\" section to the cluster file)"))
        }
        do {
            let info = try await backups.backUp(note: "on demand")
            return .success("""
                {"node":\(node.id),"id":\(info.id),"appliedIndex":\(info.appliedIndex.map { "\($0.rawValue)" } ?? "null"),\
                "sizeBytes":\(info.sizeBytes),"files":\(info.fileCount),"timestamp":\(info.timestamp)}
                """)
        } catch {
            return .failure(BackupUnavailable(reason: "backup failed: \(error)"))
        }
    }

    func snapshotBytes(_ request: SnapshotBytesRequest) async -> SnapshotBytesAnswer {
        // NB: off the Swift pool (two threads here, one often in the Raft loop's fsync):
        // a read of up to 8 MiB from disk blocks its thread, and one at a time bounds the
        // memory the answers take.
        await withCheckedContinuation { continuation in
            Self.snapshotReads.async { continuation.resume(returning: snapshots.bytes(for: request)) }
        }
    }

    /// Serves snapshot reads one at a time, on a thread of their own.
    private static let snapshotReads = DispatchQueue(label: "herald.snapshot-reads")

    func status() async -> NodeStatus {
        let raftStatus = await raft.status()
        let elapsed = ContinuousClock.now - started
        let digest = applier.digest
        return NodeStatus(
            clusterName: cluster.clusterName, region: node.region, raft: raftStatus,
            stateDigest: digest.high ^ digest.low,
            connectedPeers: transport.connectedPeers.map(\.rawValue),
            uptimeSeconds: elapsed.seconds,
            dataDisk: diskSpace.usage(), minFreeBytes: diskSpace.minimumFreeBytes)
    }
}
