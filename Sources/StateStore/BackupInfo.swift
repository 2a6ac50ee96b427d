public import RaftCore

/// One backup in a backup directory.
public struct BackupInfo: Sendable, Hashable {
    /// RocksDB's backup id (1, 2, … in creation order).
    public var id: UInt32
    /// When the backup was taken, in seconds since 1970 (UTC).
    public var timestamp: Int64
    /// Bytes of the files this backup references (shared files counted in full).
    public var sizeBytes: UInt64
    /// Number of files.
    public var fileCount: UInt32
    /// The applied index read just before the backup started: the backup holds at
    /// least this much of the log (the exact value is inside it, in `meta`).
    public var appliedIndex: LogIndex?
    /// The operator's label, if any.
    public var note: String

    /// False for a backup without Herald's metadata file: taking it was interrupted after
    /// RocksDB had recorded the backup (its data is whole) and before the metadata was
    /// written. Its applied index is unknown until it is restored; `verify` fails on it.
    public var hasMetadata: Bool { appliedIndex != nil }
}
