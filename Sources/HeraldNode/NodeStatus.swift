import RaftCore

/// A node's view of itself and its cluster, served as JSON by `/v1/status`.
public struct NodeStatus: Sendable {
    /// The cluster's name.
    public var clusterName: String
    /// This node's region.
    public var region: String
    /// Raft state.
    public var raft: RaftStatus
    /// Digest of the replicated state at `raft.appliedIndex` (equal digests at equal
    /// indexes mean equal state).
    public var stateDigest: UInt64
    /// Peers with a live outgoing connection.
    public var connectedPeers: [UInt64]
    /// Seconds since the process started.
    public var uptimeSeconds: Double
    /// The space of the data directory's file system; nil when it cannot be measured.
    public var dataDisk: DiskUsage?
    /// The free space below which this node, when it leads, refuses new messages (0: never).
    public var minFreeBytes: UInt64

    /// Creates a status.
    public init(clusterName: String, region: String, raft: RaftStatus, stateDigest: UInt64,
                connectedPeers: [UInt64], uptimeSeconds: Double, dataDisk: DiskUsage? = nil, minFreeBytes: UInt64 = 0) {
        self.clusterName = clusterName
        self.region = region
        self.raft = raft
        self.stateDigest = stateDigest
        self.connectedPeers = connectedPeers
        self.uptimeSeconds = uptimeSeconds
        self.dataDisk = dataDisk
        self.minFreeBytes = minFreeBytes
    }

    /// Whether the data disk has less free space than `minFreeBytes`: while this node
    /// leads, it refuses new messages.
    public var isLowOnDisk: Bool {
        dataDisk?.isBelow(minFreeBytes) ?? false
    }

    /// Why the node should not receive traffic yet, or nil when it is ready.
    public var notReadyReason: String? {
        if raft.leader == nil { return "no leader known (election in progress)" }
        if raft.appliedIndex < raft.commitIndex {
            return "catching up: applied \(raft.appliedIndex.rawValue) of \(raft.commitIndex.rawValue)"
        }
        return nil
    }

    /// The status as a JSON object.
    public var json: String {
        var fields: [(String, String)] = []
        fields.append(("cluster", JSONText.quoted(clusterName)))
        fields.append(("node", "\(raft.id.rawValue)"))
        fields.append(("region", JSONText.quoted(region)))
        fields.append(("role", JSONText.quoted(raft.role.rawValue)))
        fields.append(("term", "\(raft.term.rawValue)"))
        fields.append(("leader", raft.leader.map { "\($0.rawValue)" } ?? "null"))
        fields.append(("commitIndex", "\(raft.commitIndex.rawValue)"))
        fields.append(("appliedIndex", "\(raft.appliedIndex.rawValue)"))
        fields.append(("lastIndex", "\(raft.lastIndex.rawValue)"))
        fields.append(("snapshotIndex", "\(raft.snapshotIndex.rawValue)"))
        fields.append(("stateDigest", JSONText.quoted(String(stateDigest, radix: 16))))
        fields.append(("voters", "[" + raft.membership.voters.sorted().map { "\($0.rawValue)" }.joined(separator: ",") + "]"))
        fields.append(("learners", "[" + raft.membership.learners.sorted().map { "\($0.rawValue)" }.joined(separator: ",") + "]"))
        fields.append(("connectedPeers", "[" + connectedPeers.sorted().map(String.init).joined(separator: ",") + "]"))
        fields.append(("ready", notReadyReason == nil ? "true" : "false"))
        fields.append(("uptimeSeconds", "\(uptimeSeconds)"))
        fields.append(("dataDiskFreeBytes", dataDisk.map { "\($0.freeBytes)" } ?? "null"))
        fields.append(("dataDiskSizeBytes", dataDisk.map { "\($0.totalBytes)" } ?? "null"))
        fields.append(("minFreeBytes", "\(minFreeBytes)"))
        fields.append(("dataDiskLow", isLowOnDisk ? "true" : "false"))
        return "{" + fields.map { "\(JSONText.quoted($0.0)):\($0.1)" }.joined(separator: ",") + "}"
    }
}

/// Minimal JSON text helpers for hand-built responses.
enum JSONText {
    /// `text` as a JSON string literal.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
