@testable import HeraldNode
@testable import LogStore
import RaftCore
import Testing

/// The counters `/metrics` renders from the Raft loop, the log and the snapshot installer.
@Suite struct NodeMetricsTests {
    @Test func nodeCountersRenderAsPrometheusCountersWithTheNodeLabel() {
        var loop = RaftLoopStatistics()
        loop.readies = 12
        loop.persistSeconds = 0.25
        let log = LogStoreStatistics(batches: 9, dataSyncs: 7, directorySyncs: 1, bytesWritten: 4096,
                                     entriesAppended: 30, syncNanoseconds: 1_500_000_000, idleNanoseconds: 0,
                                     preallocatedSegments: 2, preallocationFailures: 4)
        let sampled = NodeMetrics.nodeCounters(node: NodeID(2), loop: loop, log: log, installs: 3, fetchFailures: 5)
        let lines = NodeMetrics().renderCounters(sampled: sampled).split(separator: "\n").map(String.init)
        #expect(lines.contains("herald_raft_readies_total{node=\"2\"} 12"))
        #expect(lines.contains("herald_raft_persist_seconds_total{node=\"2\"} 0.25"))
        #expect(lines.contains("herald_log_fsyncs_total{node=\"2\"} 7"))
        #expect(lines.contains("herald_log_fsync_seconds_total{node=\"2\"} 1.5"))
        #expect(lines.contains("herald_log_bytes_written_total{node=\"2\"} 4096"))
        #expect(lines.contains("herald_log_preallocated_segments_total{node=\"2\"} 2"))
        #expect(lines.contains("herald_log_preallocation_failures_total{node=\"2\"} 4"))
        #expect(lines.contains { $0.hasPrefix("# HELP herald_log_preallocation_failures_total Zero-filled") })
        #expect(lines.contains("herald_snapshot_installs_total{node=\"2\"} 3"))
        #expect(lines.contains("herald_snapshot_fetch_failures_total{node=\"2\"} 5"))
        #expect(lines.contains("# TYPE herald_log_fsyncs_total counter"))
        #expect(lines.contains { $0.hasPrefix("# HELP herald_snapshot_installs_total Snapshots") })
        // Every series has its HELP and TYPE lines once.
        #expect(lines.filter { $0.hasPrefix("# TYPE ") }.count == 12)
    }
}
