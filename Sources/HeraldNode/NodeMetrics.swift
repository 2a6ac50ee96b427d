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
    ]

    /// `herald_peer_batches_dropped_total` for node `node`, from the transport's counts.
    /// - Parameter dropped: batches dropped per peer (`PeerTransport.droppedBatches`).
    static func droppedBatches(node: NodeID, _ dropped: [NodeID: UInt64]) -> [Series: UInt64] {
        var series: [Series: UInt64] = [:]
        for (peer, count) in dropped {
            series[Series(name: "herald_peer_batches_dropped_total",
                          labels: ["node": "\(node.rawValue)", "peer": "\(peer.rawValue)"])] = count
        }
        return series
    }

    /// Every counter in Prometheus text format.
    /// - Parameter sampled: counters kept elsewhere, read at this moment.
    func renderCounters(sampled: [Series: UInt64] = [:]) -> String {
        let snapshot = counts.withLock { $0 }
        var series = sampled
        for (kind, value) in snapshot.answers { series[kind.series, default: 0] += value }
        if snapshot.enqueuedMessages > 0 {
            series[Series(name: "herald_enqueued_messages_total", labels: [:])] = snapshot.enqueuedMessages
        }
        var out = ""
        for name in Set(series.keys.map(\.name)).sorted() {
            out += "# HELP \(name) \(Self.help[name] ?? name)\n# TYPE \(name) counter\n"
            for (series, value) in series.filter({ $0.key.name == name }).sorted(by: { $0.key.rendered < $1.key.rendered }) {
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
