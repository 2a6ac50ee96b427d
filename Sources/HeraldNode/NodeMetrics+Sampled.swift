import LogStore
import RaftCore

extension NodeMetrics {
    /// The Raft loop's, the log writer's and the snapshot installer's counters for
    /// node `node`, read at this moment.
    /// - Parameters:
    ///   - node: the node, the `node` label.
    ///   - loop: `RaftService.statistics`.
    ///   - log: `RaftService.logStatistics`.
    ///   - installs: snapshots installed from other members.
    ///   - fetchFailures: failed attempts to fetch one.
    static func nodeCounters(node: NodeID, loop: RaftLoopStatistics, log: LogStoreStatistics,
                             installs: UInt64, fetchFailures: UInt64) -> Sampled {
        let labels = ["node": "\(node.rawValue)"]
        func series(_ name: String) -> Series { Series(name: name, labels: labels) }
        var sampled = Sampled()
        sampled.counts[series("herald_raft_readies_total")] = loop.readies
        sampled.counts[series("herald_raft_entries_persisted_total")] = loop.entriesPersisted
        sampled.counts[series("herald_raft_entries_applied_total")] = loop.entriesApplied
        sampled.seconds[series("herald_raft_persist_seconds_total")] = loop.persistSeconds
        sampled.seconds[series("herald_raft_apply_seconds_total")] = loop.applySeconds
        sampled.counts[series("herald_log_fsyncs_total")] = log.dataSyncs
        sampled.seconds[series("herald_log_fsync_seconds_total")] = Double(log.syncNanoseconds) / 1e9
        sampled.counts[series("herald_log_bytes_written_total")] = log.bytesWritten
        sampled.counts[series("herald_log_preallocated_segments_total")] = log.preallocatedSegments
        sampled.counts[series("herald_log_preallocation_failures_total")] = log.preallocationFailures
        sampled.counts[series("herald_snapshot_installs_total")] = installs
        sampled.counts[series("herald_snapshot_fetch_failures_total")] = fetchFailures
        return sampled
    }
}
