import Wire

/// Answers producers' cluster-status requests from one collection at a time, reused for
/// `maxAge`: every collection opens a connection to every node's HTTP port, and a
/// producer may pipeline a thousand such requests on one connection.
actor ClusterStatusCache {
    private let maxAge: Duration
    private let collect: @Sendable () async -> ClusterStatusReport
    private var latest: (report: ClusterStatusReport, at: ContinuousClock.Instant)?
    private var running: Task<ClusterStatusReport, Never>?

    /// - Parameters:
    ///   - maxAge: how long a collected report is served again.
    ///   - collect: gathers a fresh report.
    init(maxAge: Duration = .seconds(1), collect: @escaping @Sendable () async -> ClusterStatusReport) {
        self.maxAge = maxAge
        self.collect = collect
    }

    /// A report at most `maxAge` old; callers that ask while one is being collected wait
    /// for that one.
    func report() async -> ClusterStatusReport {
        if let latest, ContinuousClock.now - latest.at < maxAge { return latest.report }
        if let running { return await running.value }
        let task = Task { await collect() }
        running = task
        let report = await task.value
        latest = (report, ContinuousClock.now)
        running = nil
        return report
    }
}
