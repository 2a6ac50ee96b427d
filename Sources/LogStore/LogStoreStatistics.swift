/// Counters of the writer thread since the store opened, for metrics and benchmarks.
public struct LogStoreStatistics: Sendable, Hashable {
    /// Group-commit rounds (each ends in at most one sync per touched file).
    public var batches: UInt64
    /// `fdatasync` calls on segment files.
    public var dataSyncs: UInt64
    /// fsyncs of the log directory (segment created, deleted or metadata replaced).
    public var directorySyncs: UInt64
    /// Bytes written to segment files.
    public var bytesWritten: UInt64
    /// Entries appended.
    public var entriesAppended: UInt64
    /// Wall-clock nanoseconds the writer thread spent inside `fdatasync`.
    public var syncNanoseconds: UInt64
    /// Wall-clock nanoseconds the writer thread spent waiting for work (queue empty).
    public var idleNanoseconds: UInt64
    /// Segments that started as a zero-filled file made ahead of time.
    public var preallocatedSegments: UInt64 = 0
    /// Zero-filled files that could not be made (the disk refused a create, write or sync).
    public var preallocationFailures: UInt64 = 0
}
