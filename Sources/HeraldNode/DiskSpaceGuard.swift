public import Logging
import Synchronization
import Wire

/// Keeps a node from filling its data disk with new mail: while the file system holding
/// the data directory has less than `minimumFreeBytes` free, the leader refuses
/// enqueues with `insufficientStorage`. Everything else goes on (cancels,
/// suppressions, replication, snapshots, compaction), so the node keeps the room it
/// needs to apply what the cluster has already accepted, and space freed by
/// compaction or by the operator lets new mail in again without a restart.
///
/// The disk is measured at most once per `interval`, so the check costs a clock read
/// and an uncontended lock per enqueue.
public final class DiskSpaceGuard: Sendable {
    /// The directory whose file system is watched.
    public let path: String
    /// Below this many free bytes new messages are refused; 0 never refuses.
    public let minimumFreeBytes: UInt64
    private let interval: Duration
    private let logger: Logger
    private let state = Mutex(State())

    private struct State {
        var usage: DiskUsage?
        var measuredAt: ContinuousClock.Instant?
        /// Whether the last reading was below the minimum (logged on each change).
        var low = false
        /// The last measuring error, logged once until a measurement succeeds.
        var failure: String?
    }

    /// Creates a guard; nothing is measured until the first reading is asked for.
    /// - Parameters:
    ///   - path: the node's data directory.
    ///   - minimumFreeBytes: the free space below which enqueues are refused (0: never).
    ///   - interval: how old a reading may be before the disk is measured again.
    ///   - logger: where changes between enough and too little space are logged.
    public init(path: String, minimumFreeBytes: UInt64, interval: Duration = .seconds(1), logger: Logger) {
        self.path = path
        self.minimumFreeBytes = minimumFreeBytes
        self.interval = interval
        self.logger = logger
    }

    /// The latest reading, measured again when older than the interval; nil while the
    /// disk cannot be measured (logged as an error).
    ///
    /// One caller measures at a time, outside the lock: the others meanwhile get the
    /// previous reading, so a slow file system (a stuck network mount) holds up only the
    /// caller that measures, not every enqueue.
    public func usage() -> DiskUsage? {
        let now = ContinuousClock.now
        let (cached, due) = state.withLock { state -> (DiskUsage?, Bool) in
            if let measuredAt = state.measuredAt, now - measuredAt < interval { return (state.usage, false) }
            state.measuredAt = now
            return (state.usage, true)
        }
        guard due else { return cached }
        let measured = Result<DiskUsage, DiskUsage.MeasureError> { () throws(DiskUsage.MeasureError) in try DiskUsage.measure(path) }
        return state.withLock { state -> DiskUsage? in
            switch measured {
            case .success(let usage):
                state.usage = usage
                state.failure = nil
                noteLevel(of: usage, in: &state)
            case .failure(let error):
                // NB: a disk that cannot be measured does not stop mail: the log and the
                // state store fail loudly on their own when writes fail.
                if state.failure != error.description { logger.error("\(error.description)") }
                state.failure = error.description
                state.usage = nil
            }
            return state.usage
        }
    }

    /// The answer to an enqueue while space is short, or nil when there is enough.
    /// - Parameter node: this node, named in the answer.
    func refusal(at node: UInt64) -> ProducerError? {
        guard let usage = usage(), usage.isBelow(minimumFreeBytes) else { return nil }
        return ProducerError(code: .insufficientStorage, detail: """
            node \(node) has \(Self.mebibytes(usage.freeBytes)) MiB free on its data disk, below \
            storage.minFreeMegabytes (\(Self.mebibytes(minimumFreeBytes)) MiB): new messages are refused \
            until space is freed; retry later
            """)
    }

    private func noteLevel(of usage: DiskUsage, in state: inout State) {
        let low = usage.isBelow(minimumFreeBytes)
        guard low != state.low else { return }
        state.low = low
        let metadata: Logger.Metadata = [
            "path": "\(path)", "freeMiB": "\(Self.mebibytes(usage.freeBytes))",
            "minFreeMiB": "\(Self.mebibytes(minimumFreeBytes))",
        ]
        if low {
            logger.warning("data disk nearly full: refusing new messages while this node leads", metadata: metadata)
        } else {
            logger.notice("data disk has room again: accepting new messages", metadata: metadata)
        }
    }

    private static func mebibytes(_ bytes: UInt64) -> UInt64 { bytes >> 20 }
}
