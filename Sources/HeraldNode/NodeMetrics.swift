import Foundation
import Synchronization
import Wire

/// Counters a node keeps for `/metrics`. Cheap to bump from any task: one lock, held
/// for a dictionary update.
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

    private let counters = Mutex<[Series: UInt64]>([:])

    /// Help text per counter name, printed as `# HELP`.
    static let help: [String: String] = [
        "herald_producer_requests_total": "Producer requests answered, by request kind and outcome.",
        "herald_enqueued_messages_total": "New messages acknowledged to producers connected to this node (not duplicates, not forwarded requests).",
    ]

    /// Adds `amount` to the counter.
    func increment(_ name: String, _ labels: [String: String] = [:], by amount: UInt64 = 1) {
        counters.withLock { $0[Series(name: name, labels: labels), default: 0] += amount }
    }

    /// Every counter in Prometheus text format.
    func renderCounters() -> String {
        let snapshot = counters.withLock { $0 }
        var out = ""
        for name in Set(snapshot.keys.map(\.name)).sorted() {
            out += "# HELP \(name) \(Self.help[name] ?? name)\n# TYPE \(name) counter\n"
            for (series, value) in snapshot.filter({ $0.key.name == name }).sorted(by: { $0.key.rendered < $1.key.rendered }) {
                out += "\(series.rendered) \(value)\n"
            }
        }
        return out
    }
}

extension NodeMetrics {
    /// Counts one answered producer request, and the new messages it acknowledged
    /// unless another node forwarded it here (that node counts them).
    func recordAnswer(to request: ProducerRequest, _ response: ProducerResponse, forwarded: Bool) {
        let outcome: String
        switch response {
        case .error(let code, _): outcome = code.name
        default: outcome = "ok"
        }
        increment("herald_producer_requests_total",
                  ["kind": "\(request.kind)", "outcome": outcome, "from": forwarded ? "node" : "producer"])
        guard !forwarded else { return }
        switch response {
        case .enqueued(let ack) where !ack.duplicate:
            increment("herald_enqueued_messages_total")
        case .batchResult(let results):
            let fresh = results.filter { if case .success(let ack) = $0 { !ack.duplicate } else { false } }.count
            if fresh > 0 { increment("herald_enqueued_messages_total", by: UInt64(fresh)) }
        default:
            break
        }
    }
}
