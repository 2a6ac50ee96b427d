import NIOCore
import NIOPosix

/// Runs one `LoadConnection` per connection on a small event loop group (one thread per
/// `--threads`), prints progress to standard error while they run, and merges their
/// reports.
struct LoadRunner {
    /// The run's plan.
    var plan: RunPlan
    /// Event loop threads.
    var threads: Int
    /// Seconds between progress lines on standard error; 0 for none.
    var progressInterval: Double

    /// Runs `workloads.count` connections of `Session` and waits for all of them.
    /// - Parameters:
    ///   - session: the system's session type.
    ///   - shared: the sessions' shared templates.
    ///   - workloads: one per connection.
    /// - Returns: the merged report.
    /// - Throws: when the event loop group fails.
    func run<Session: LoadSession>(_ session: Session.Type, shared: Session.Shared,
                                   workloads: [Workload]) async throws -> ConnectionReport {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        let loops = Array(group.makeIterator())
        let counters = workloads.map { _ in ProgressCounters() }
        let plan = self.plan
        let futures = workloads.indices.map { index in
            let loop = loops[index % loops.count]
            let workload = workloads[index]
            let progress = counters[index]
            return loop.flatSubmit {
                LoadConnection<Session>(index: index, plan: plan, workload: workload, shared: shared,
                                        progress: progress, eventLoop: loop).start()
            }
        }
        let all = EventLoopFuture.whenAllSucceed(futures, on: loops[0])
        let interval = progressInterval
        let reports = try await withThrowingTaskGroup(of: [ConnectionReport]?.self) { tasks in
            tasks.addTask { try await all.get() }
            if interval > 0 {
                tasks.addTask {
                    await Self.printProgress(counters: counters, every: interval, startAt: plan.startAt)
                    return nil
                }
            }
            var result: [ConnectionReport] = []
            while let next = try await tasks.next() {
                if let next {
                    result = next
                    tasks.cancelAll()
                }
            }
            return result
        }
        try await group.shutdownGracefully()
        var merged = ConnectionReport()
        for report in reports { merged.merge(report) }
        return merged
    }

    /// Prints acknowledgements and errors per interval until cancelled.
    private static func printProgress(counters: [ProgressCounters], every interval: Double, startAt: UInt64) async {
        var lastAcked = 0
        var lastErrors = 0
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(Int(interval * 1000)))
            guard !Task.isCancelled else { return }
            let snapshots = counters.map { $0.snapshot() }
            let acked = snapshots.reduce(0) { $0 + $1.acked }
            let errors = snapshots.reduce(0) { $0 + $1.errors }
            let connected = snapshots.reduce(0) { $0 + $1.connected }
            let elapsed = Double(Clocks.monotonicNanoseconds() &- startAt) / 1e9
            let rate = Double(acked - lastAcked) / interval
            StandardError.write(
                "t=\(Format.fixed(elapsed, digits: 1))s acks/s=\(Format.fixed(rate, digits: 0)) acked=\(acked) "
                    + "errors=\(errors) (+\(errors - lastErrors)) connected=\(connected)/\(counters.count)")
            lastAcked = acked
            lastErrors = errors
        }
    }
}
