/// Where the Raft loop's time goes, cumulative since start: how many Readies it
/// handled, how many entries it made durable and applied, and the seconds spent
/// waiting for the log's fsync and applying to the state store.
public struct RaftLoopStatistics: Sendable, Equatable {
    /// Readies handled.
    public var readies: UInt64 = 0
    /// Entries appended to the log.
    public var entriesPersisted: UInt64 = 0
    /// Entries applied to the state store.
    public var entriesApplied: UInt64 = 0
    /// Seconds waiting for log writes to become durable.
    public var persistSeconds: Double = 0
    /// Seconds applying committed entries.
    public var applySeconds: Double = 0

    /// Empty statistics.
    public init() {}
}

extension Duration {
    /// This duration in seconds.
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
