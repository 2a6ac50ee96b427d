import RaftCore

/// Gauges from a node's status in Prometheus text format.
extension NodeStatus {
    /// The gauges, with `# HELP` and `# TYPE` lines.
    var prometheusGauges: String {
        var out = ""
        func gauge(_ name: String, _ help: String, _ samples: [(String, Double)]) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) gauge\n"
            for (labels, value) in samples { out += "\(name)\(labels) \(value)\n" }
        }
        let node = "node=\"\(raft.id.rawValue)\""
        gauge("herald_raft_term", "Current Raft term.", [("{\(node)}", Double(raft.term.rawValue))])
        gauge("herald_raft_is_leader", "1 when this node leads.", [("{\(node)}", raft.role == .leader ? 1 : 0)])
        gauge("herald_raft_role", "1 for the role this node is in.",
              [Role.follower, .preCandidate, .candidate, .leader].map { ("{\(node),role=\"\($0.rawValue)\"}", raft.role == $0 ? 1 : 0) })
        gauge("herald_raft_leader_known", "1 when this node knows a leader.", [("{\(node)}", raft.leader == nil ? 0 : 1)])
        gauge("herald_raft_commit_index", "Highest log index known committed.", [("{\(node)}", Double(raft.commitIndex.rawValue))])
        gauge("herald_raft_applied_index", "Highest log index applied to the state store.", [("{\(node)}", Double(raft.appliedIndex.rawValue))])
        gauge("herald_raft_last_index", "Last index in the Raft log.", [("{\(node)}", Double(raft.lastIndex.rawValue))])
        gauge("herald_raft_snapshot_index", "Index of the latest snapshot; the log on disk starts after it.",
              [("{\(node)}", Double(raft.snapshotIndex.rawValue))])
        gauge("herald_raft_voters", "Voters in the membership.", [("{\(node)}", Double(raft.membership.voters.count))])
        gauge("herald_peer_connected", "1 while this node has a connection to the peer.",
              raft.membership.members.filter { $0 != raft.id }.sorted().map {
                  ("{\(node),peer=\"\($0.rawValue)\"}", connectedPeers.contains($0.rawValue) ? 1 : 0)
              })
        gauge("herald_ready", "1 when the node is ready for traffic.", [("{\(node)}", notReadyReason == nil ? 1 : 0)])
        gauge("herald_uptime_seconds", "Seconds since the process started.", [("{\(node)}", uptimeSeconds)])
        if let dataDisk {
            gauge("herald_data_disk_free_bytes", "Bytes free for heraldd on the data directory's file system.",
                  [("{\(node)}", Double(dataDisk.freeBytes))])
            gauge("herald_data_disk_size_bytes", "Size of the data directory's file system.",
                  [("{\(node)}", Double(dataDisk.totalBytes))])
        }
        gauge("herald_data_disk_min_free_bytes", "Free space below which the node refuses new messages while it leads (0: never).",
              [("{\(node)}", Double(minFreeBytes))])
        gauge("herald_data_disk_low", "1 while the data disk has less free space than the minimum (new messages refused).",
              [("{\(node)}", isLowOnDisk ? 1 : 0)])
        return out
    }
}
