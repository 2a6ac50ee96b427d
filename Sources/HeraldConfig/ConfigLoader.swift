import Foundation

/// Loads and validates a cluster configuration file. Every problem becomes one
/// `ConfigError` line naming the file and the key path; nothing is opened or bound
/// until a configuration has passed.
public enum ConfigLoader {
    /// The keys of the top-level object.
    static let topLevelKeys = ["clusterName", "dataDirectory", "raft", "nodes", "backup", "storage", "idempotency"]
    /// The keys of `idempotency`.
    static let idempotencyKeys = ["windowSeconds"]
    /// The keys of `storage`.
    static let storageKeys = ["minFreeMegabytes"]
    /// The keys of `backup`.
    static let backupKeys = ["directory", "intervalMinutes", "keep"]
    /// The keys of `raft`.
    static let raftKeys = ["tickMilliseconds", "heartbeatTicks", "electionTicks", "snapshotEntries"]
    /// The keys of each `nodes[i]`.
    static let nodeKeys = ["id", "region", "peerAddress", "clientAddress", "httpAddress", "dataDirectory"]

    /// Reads and validates the file at `path`.
    /// - Parameter path: the file, as the operator named it (used in error messages).
    /// - Returns: the validated configuration; relative data directories are resolved
    ///   against the directory holding the file.
    /// - Throws: `ConfigError` for the first problem found.
    public static func load(path: String) throws(ConfigError) -> ClusterConfig {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            let reason = (error as NSError).localizedFailureReason ?? "\(error.localizedDescription)"
            throw ConfigError(file: path, keyPath: "", message: "cannot read the file: \(reason)")
        }
        let base = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return try parse(Array(data), file: path, baseDirectory: base)
    }

    /// Validates a configuration held in memory.
    /// - Parameters:
    ///   - bytes: the JSON document.
    ///   - file: the name used in error messages.
    ///   - baseDirectory: what relative data directories are relative to.
    /// - Returns: the validated configuration.
    /// - Throws: `ConfigError` for the first problem found.
    public static func parse(_ bytes: [UInt8], file: String, baseDirectory: String) throws(ConfigError) -> ClusterConfig {
        let document: JSONValue
        do {
            document = try JSONParser.parse(bytes)
        } catch {
            throw ConfigError(file: file, keyPath: "", message: "not valid JSON: \(error)")
        }
        let top = try ObjectReader(document, file: file, path: "")
        try top.rejectUnknownKeys(known: topLevelKeys)

        let clusterName = try top.string("clusterName")
        let dataDirectory = resolve(try top.string("dataDirectory"), against: baseDirectory)
        let raft = try readRaft(try top.required("raft"), file: file)
        let nodeValues = try top.array("nodes")
        guard !nodeValues.isEmpty else { throw top.error("nodes", "must list at least one node") }
        var nodes: [NodeConfig] = []
        for (position, value) in nodeValues.enumerated() {
            nodes.append(try readNode(value, file: file, path: "nodes[\(position)]", baseDirectory: baseDirectory))
        }
        try checkUnique(nodes, file: file)
        let backup = try top.optional("backup").map { value throws(ConfigError) in
            try readBackup(value, file: file, baseDirectory: baseDirectory)
        }
        let storage = try top.optional("storage").map { value throws(ConfigError) in
            try readStorage(value, file: file)
        } ?? StorageLimits()
        let idempotency = try top.optional("idempotency").map { value throws(ConfigError) in
            try readIdempotency(value, file: file)
        } ?? IdempotencySettings()
        return ClusterConfig(clusterName: clusterName, dataDirectory: dataDirectory, raft: raft, nodes: nodes,
                             backup: backup, storage: storage, idempotency: idempotency)
    }

    private static func readIdempotency(_ value: JSONValue, file: String) throws(ConfigError) -> IdempotencySettings {
        let reader = try ObjectReader(value, file: file, path: "idempotency")
        try reader.rejectUnknownKeys(known: idempotencyKeys)
        // NB: up to 30 days; at least a second.
        return IdempotencySettings(windowSeconds: try reader.optionalInteger(
            "windowSeconds", in: 1...(30 * 24 * 60 * 60), default: IdempotencySettings.defaultWindowSeconds))
    }

    private static func readStorage(_ value: JSONValue, file: String) throws(ConfigError) -> StorageLimits {
        let reader = try ObjectReader(value, file: file, path: "storage")
        try reader.rejectUnknownKeys(known: storageKeys)
        // NB: up to 1 PiB, so the byte count cannot overflow.
        let megabytes = try reader.optionalInteger("minFreeMegabytes", in: 0...(1 << 30),
                                                   default: Int(StorageLimits.defaultMinFreeBytes >> 20))
        return StorageLimits(minFreeBytes: UInt64(megabytes) << 20)
    }

    private static func readRaft(_ value: JSONValue, file: String) throws(ConfigError) -> RaftTimings {
        let reader = try ObjectReader(value, file: file, path: "raft")
        try reader.rejectUnknownKeys(known: raftKeys)
        let tick = try reader.integer("tickMilliseconds", in: 1...60_000)
        let heartbeat = try reader.integer("heartbeatTicks", in: 1...1_000)
        let election = try reader.integer("electionTicks", in: 1...10_000)
        guard election > heartbeat else {
            throw reader.error("electionTicks", "\(election) must be above raft.heartbeatTicks (\(heartbeat))")
        }
        let snapshotEntries = try reader.optionalInteger("snapshotEntries", in: 10...100_000_000,
                                                         default: RaftTimings.defaultSnapshotEntries)
        return RaftTimings(tickMilliseconds: tick, heartbeatTicks: heartbeat, electionTicks: election,
                           snapshotEntries: snapshotEntries)
    }

    private static func readBackup(_ value: JSONValue, file: String, baseDirectory: String) throws(ConfigError) -> BackupSchedule {
        let reader = try ObjectReader(value, file: file, path: "backup")
        try reader.rejectUnknownKeys(known: backupKeys)
        return BackupSchedule(
            directory: resolve(try reader.string("directory"), against: baseDirectory),
            intervalMinutes: try reader.integer("intervalMinutes", in: 0...10_080),
            keep: try reader.integer("keep", in: 1...10_000))
    }

    private static func readNode(_ value: JSONValue, file: String, path: String,
                                 baseDirectory: String) throws(ConfigError) -> NodeConfig {
        let reader = try ObjectReader(value, file: file, path: path)
        try reader.rejectUnknownKeys(known: nodeKeys)
        let id = try reader.integer("id", in: 1...Int.max)
        return NodeConfig(
            id: UInt64(id),
            region: try reader.string("region"),
            peerAddress: try reader.endpoint("peerAddress"),
            clientAddress: try reader.endpoint("clientAddress"),
            httpAddress: try reader.endpoint("httpAddress"),
            dataDirectory: try reader.optionalString("dataDirectory").map { resolve($0, against: baseDirectory) }
        )
    }

    /// Node ids and every listening address must be unique across the cluster.
    private static func checkUnique(_ nodes: [NodeConfig], file: String) throws(ConfigError) {
        var ids: [UInt64: Int] = [:]
        var addresses: [Endpoint: String] = [:]
        for (position, node) in nodes.enumerated() {
            let path = "nodes[\(position)]"
            if let first = ids[node.id] {
                throw ConfigError(file: file, keyPath: "\(path).id",
                                  message: "duplicate node id \(node.id) (also nodes[\(first)].id)")
            }
            ids[node.id] = position
            let named = [("peerAddress", node.peerAddress), ("clientAddress", node.clientAddress),
                         ("httpAddress", node.httpAddress)]
            for (key, endpoint) in named {
                if let owner = addresses[endpoint] {
                    throw ConfigError(file: file, keyPath: "\(path).\(key)",
                                      message: "\"\(endpoint)\" is already used by \(owner)")
                }
                addresses[endpoint] = "\(path).\(key)"
            }
        }
    }

    private static func resolve(_ directory: String, against base: String) -> String {
        if directory.hasPrefix("/") || base.isEmpty { return directory }
        return URL(fileURLWithPath: base).appendingPathComponent(directory).standardizedFileURL.path
    }
}
