/// Where the Raft loop's time goes, cumulative since start: how many Readies it
/// handled, how many entries it made durable and applied, and the seconds spent
/// waiting for the log's fsync and applying to the state store.
public struct RaftLoopStatistics: Sendable, Equatable {
    /// Readies handled.
    public var readies: UInt64 = 0
    /// Entries appended to the log.
    public var entriesPersisted: UInt64 = 0
    /// Entries applied to the state store.
    public var entriesApplied: UInt64 = 0
    /// Seconds waiting for log writes to become durable.
    public var persistSeconds: Double = 0
    /// Seconds applying committed entries.
    public var applySeconds: Double = 0

    /// Empty statistics.
    public init() {}
}

extension Duration {
    /// This duration in seconds.
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}

extension RaftLoopStatistics {
    /// The statistics as Prometheus counters for node `node`.
    func prometheusCounters(node: UInt64) -> String {
        let label = "{node=\"\(node)\"}"
        let counters: [(String, String, String)] = [
            ("herald_raft_readies_total", "Raft Ready cycles handled.", "\(readies)"),
            ("herald_raft_entries_persisted_total", "Entries appended durably to the Raft log.", "\(entriesPersisted)"),
            ("herald_raft_entries_applied_total", "Entries applied to the state store.", "\(entriesApplied)"),
            ("herald_raft_persist_seconds_total", "Seconds the Raft loop waited for log fsyncs.", "\(persistSeconds)"),
            ("herald_raft_apply_seconds_total", "Seconds the Raft loop spent applying entries.", "\(applySeconds)"),
        ]
        return counters.map { name, help, value in
            "# HELP \(name) \(help)\n# TYPE \(name) counter\n\(name)\(label) \(value)\n"
        }.joined()
    }
}
