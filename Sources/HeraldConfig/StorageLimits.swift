/// Limits that protect a node's data disk.
public struct StorageLimits: Equatable, Sendable {
    /// While the data directory's file system has less free space than this, the leader
    /// refuses new messages (`insufficientStorage`); 0 never refuses.
    public var minFreeBytes: UInt64

    /// The default for `minFreeBytes`: 1 GiB, room for a snapshot's flush, a log
    /// segment and RocksDB's compactions while an operator frees space.
    public static let defaultMinFreeBytes: UInt64 = 1 << 30

    /// Creates limits.
    public init(minFreeBytes: UInt64 = StorageLimits.defaultMinFreeBytes) {
        self.minFreeBytes = minFreeBytes
    }
}
