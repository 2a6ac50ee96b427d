/// What one connection measured; the run's report merges all of them. Requests are
/// counted by their scheduled time: a request scheduled inside the measured window counts
/// once as `sent` and, when it ends, once as acked (with its latency) or as an error.
struct ConnectionReport: Sendable {
    /// Measured requests written.
    var sent: UInt64 = 0
    /// Measured requests acknowledged.
    var acked: UInt64 = 0
    /// Measured requests that failed.
    var errors: UInt64 = 0
    /// Measured failures by kind.
    var errorKinds: [String: UInt64] = [:]
    /// Latencies of measured acknowledgements.
    var latency = LatencyHistogram()
    /// Open loop: measured requests still waiting to be sent when the run ended.
    var unsent: UInt64 = 0
    /// Connection attempts that failed, and established connections that broke.
    var connectionFailures: UInt64 = 0
    /// Verification: items answered (found or missing).
    var checked: UInt64 = 0
    /// Verification: items not found, up to `missingExampleLimit` of them.
    var missingExamples: [String] = []
    /// Verification: how many items were not found.
    var missing: UInt64 = 0
    /// Verification: items that could not be checked (errors on every attempt, or no time left).
    var unverified: UInt64 = 0

    /// How many missing items a report lists.
    static let missingExampleLimit = 20

    /// Adds `other`'s counts to this report.
    mutating func merge(_ other: ConnectionReport) {
        sent += other.sent
        acked += other.acked
        errors += other.errors
        for (kind, count) in other.errorKinds { errorKinds[kind, default: 0] += count }
        latency.merge(other.latency)
        unsent += other.unsent
        connectionFailures += other.connectionFailures
        checked += other.checked
        missing += other.missing
        unverified += other.unverified
        let room = Self.missingExampleLimit - missingExamples.count
        if room > 0 { missingExamples.append(contentsOf: other.missingExamples.prefix(room)) }
    }
}
