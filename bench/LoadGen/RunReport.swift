/// The end-of-run summary: the merged counts plus the run's parameters, printed as one
/// JSON object (`--json`) or as readable text.
struct RunReport {
    /// The system under load.
    var system: SystemKind
    /// Message bytes per request.
    var payload: Int
    /// Connections.
    var connections: Int
    /// In-flight requests per connection.
    var inflight: Int
    /// Offered total rate (msgs/s); `nil` for a closed loop.
    var rate: Double?
    /// The measured window in seconds.
    var duration: Double
    /// The merged counts.
    var counts: ConnectionReport

    /// Acknowledgements per second over the measured window.
    var throughput: Double { duration > 0 ? Double(counts.acked) / duration : 0 }

    private var quantiles: [(name: String, nanoseconds: UInt64)] {
        [("p50", counts.latency.value(atQuantile: 0.50)),
         ("p90", counts.latency.value(atQuantile: 0.90)),
         ("p99", counts.latency.value(atQuantile: 0.99)),
         ("p999", counts.latency.value(atQuantile: 0.999)),
         ("max", counts.latency.maximum)]
    }

    /// The report as one line of JSON: the documented keys first, then `unsent`,
    /// `connection_failures` and `latency_samples`.
    var json: String {
        let latency = quantiles.map { "\"\($0.name)\":\(Format.microseconds($0.nanoseconds))" }.joined(separator: ",")
        let kinds = counts.errorKinds.sorted { $0.key < $1.key }
            .map { "\(Format.jsonString($0.key)):\($0.value)" }.joined(separator: ",")
        let rateText = rate.map { Format.fixed($0, digits: 1) } ?? "null"
        return "{\"system\":\"\(system.rawValue)\",\"payload\":\(payload),\"connections\":\(connections),"
            + "\"inflight\":\(inflight),\"rate\":\(rateText),\"duration_s\":\(Format.fixed(duration, digits: 3)),"
            + "\"sent\":\(counts.sent),\"acked\":\(counts.acked),\"errors\":\(counts.errors),"
            + "\"throughput\":\(Format.fixed(throughput, digits: 1)),\"latency_us\":{\(latency)},"
            + "\"error_kinds\":{\(kinds)},\"unsent\":\(counts.unsent),"
            + "\"connection_failures\":\(counts.connectionFailures),\"latency_samples\":\(counts.latency.count)}"
    }

    /// The report as a few readable lines.
    var text: String {
        var lines: [String] = []
        let mode = rate.map { "open loop, offered \(Format.fixed($0, digits: 0)) msgs/s" } ?? "closed loop"
        lines.append("\(system.rawValue): \(connections) connections × \(inflight) in flight, \(payload)-byte messages, "
            + "\(mode), \(Format.fixed(duration, digits: 1)) s measured")
        lines.append("sent \(counts.sent), acked \(counts.acked), errors \(counts.errors)"
            + (rate != nil ? ", unsent \(counts.unsent)" : ""))
        lines.append("throughput \(Format.fixed(throughput, digits: 1)) acks/s"
            + (rate.map { " (offered \(Format.fixed($0, digits: 1)))" } ?? ""))
        lines.append("latency µs: " + quantiles.map { "\($0.name) \(Format.microseconds($0.nanoseconds))" }
            .joined(separator: "  "))
        if !counts.errorKinds.isEmpty {
            lines.append("errors by kind: " + counts.errorKinds.sorted { $0.key < $1.key }
                .map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        if counts.connectionFailures > 0 { lines.append("connection failures: \(counts.connectionFailures)") }
        return lines.joined(separator: "\n")
    }
}
