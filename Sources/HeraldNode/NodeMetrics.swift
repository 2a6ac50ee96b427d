import Foundation
import RaftCore
import Synchronization
import Wire

/// Counters a node keeps for `/metrics`. Cheap to bump from any task: one lock, held
/// for an update keyed by small integers (label strings are built only when rendering).
final class NodeMetrics: Sendable {
    /// A counter's name and labels, e.g. `herald_producer_requests_total{kind="enqueue"}`.
    struct Series: Hashable, Sendable {
        var name: String
        var labels: [String: String]

        var rendered: String {
            guard !labels.isEmpty else { return name }
            let pairs = labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\(Self.escaped($0.value))\"" }
            return "\(name){\(pairs.joined(separator: ","))}"
        }

        private static func escaped(_ value: String) -> String {
            value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                .replacingOccurrences(of: "\n", with: "\\n")
        }
    }

    /// The labels of one `herald_producer_requests_total` series.
    struct AnswerKind: Hashable, Sendable {
        var request: ProducerFrameKind
        /// `nil` for a successful answer.
        var error: ProducerErrorCode?
        var forwarded: Bool

        var series: Series {
            Series(name: "herald_producer_requests_total",
                   labels: ["kind": "\(request)", "outcome": error?.name ?? "ok", "from": forwarded ? "node" : "producer"])
        }
    }

    /// Counters kept elsewhere and read when rendering: whole counts, and seconds.
    struct Sampled: Sendable {
        var counts: [Series: UInt64] = [:]
        var seconds: [Series: Double] = [:]

        /// Both sets of counters; `other` wins where a series is in both.
        func merging(_ other: Sampled) -> Sampled {
            Sampled(counts: counts.merging(other.counts) { $1 }, seconds: seconds.merging(other.seconds) { $1 })
        }
    }

    private struct Counts {
        var answers: [AnswerKind: UInt64] = [:]
        var enqueuedMessages: UInt64 = 0
    }

    private let counts = Mutex(Counts())

    /// Help text per counter name, printed as `# HELP`.
    static let help: [String: String] = [
        "herald_producer_requests_total": "Producer requests answered, by request kind and outcome.",
        "herald_enqueued_messages_total": "New messages acknowledged to producers connected to this node (not duplicates, not forwarded requests).",
        "herald_peer_batches_dropped_total": "Batches of Raft messages dropped because too many waited for the peer's connection.",
        "herald_raft_readies_total": "Raft Ready cycles handled.",
        "herald_raft_entries_persisted_total": "Entries appended durably to the Raft log.",
        "herald_raft_entries_applied_total": "Entries applied to the state store.",
        "herald_raft_persist_seconds_total": "Seconds the Raft loop waited for log fsyncs.",
        "herald_raft_apply_seconds_total": "Seconds the Raft loop spent applying entries.",
        "herald_log_fsyncs_total": "fdatasync calls on Raft log segments (one per group commit round).",
        "herald_log_fsync_seconds_total": "Seconds spent in fdatasync on Raft log segments.",
        "herald_log_bytes_written_total": "Bytes written to Raft log segments.",
        "herald_log_preallocated_segments_total": "Raft log segments that started as a zero-filled file made ahead of time.",
        "herald_log_preallocation_failures_total": "Zero-filled Raft log segments the disk refused to create, write or sync.",
        "herald_snapshot_installs_total": "Snapshots of the state installed from another member.",
        "herald_snapshot_fetch_failures_total": "Attempts to fetch a snapshot from a member that failed (each is retried).",
    ]

    /// `herald_peer_batches_dropped_total` for node `node`, from the transport's counts.
    /// - Parameter dropped: batches dropped per peer (`PeerTransport.droppedBatches`).
    static func droppedBatches(node: NodeID, _ dropped: [NodeID: UInt64]) -> Sampled {
        var sampled = Sampled()
        for (peer, count) in dropped {
            sampled.counts[Series(name: "herald_peer_batches_dropped_total",
                                  labels: ["node": "\(node.rawValue)", "peer": "\(peer.rawValue)"])] = count
        }
        return sampled
    }

    /// Every counter in Prometheus text format.
    /// - Parameter sampled: counters kept elsewhere, read at this moment.
    func renderCounters(sampled: Sampled = Sampled()) -> String {
        let snapshot = counts.withLock { $0 }
        var values = sampled.seconds.mapValues { "\($0)" }
        var counted = sampled.counts
        for (kind, value) in snapshot.answers { counted[kind.series, default: 0] += value }
        if snapshot.enqueuedMessages > 0 {
            counted[Series(name: "herald_enqueued_messages_total", labels: [:])] = snapshot.enqueuedMessages
        }
        for (series, value) in counted { values[series] = "\(value)" }
        var out = ""
        for name in Set(values.keys.map(\.name)).sorted() {
            out += "# HELP \(name) \(Self.help[name] ?? name)\n# TYPE \(name) counter\n"
            for (series, value) in values.filter({ $0.key.name == name }).sorted(by: { $0.key.rendered < $1.key.rendered }) {
                out += "\(series.rendered) \(value)\n"
            }
        }
        return out
    }

    /// Counts one answered producer request, and the new messages it acknowledged
    /// unless another node forwarded it here (that node counts them).
    func recordAnswer(to request: ProducerFrameKind, _ response: ProducerResponse, forwarded: Bool) {
        var error: ProducerErrorCode?
        var fresh: UInt64 = 0
        switch response {
        case .error(let code, _):
            error = code
        case .enqueued(let ack) where !ack.duplicate:
            fresh = 1
        case .batchResult(let results):
            fresh = UInt64(results.filter { if case .success(let ack) = $0 { !ack.duplicate } else { false } }.count)
        default:
            break
        }
        let kind = AnswerKind(request: request, error: error, forwarded: forwarded)
        counts.withLock { counts in
            counts.answers[kind, default: 0] += 1
            if !forwarded { counts.enqueuedMessages += fresh }
        }
    }
}
