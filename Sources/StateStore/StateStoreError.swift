public import RaftCore

/// What the state store reports. RocksDB's own error text is carried verbatim.
public enum StateStoreError: Error, Hashable, Sendable, CustomStringConvertible {
    /// RocksDB returned an error (its message, e.g. "IO error: ... Not a directory").
    case rocksdb(String)
    /// A column family that was not opened.
    case unknownColumnFamily(String)
    /// A file-system call failed; `errno` is the C error number.
    case io(operation: String, path: String, errno: Int32)
    /// A snapshot chunk failed its checksum or does not fit the manifest.
    case corruptSnapshotChunk(file: String, offset: UInt64)
    /// A received snapshot does not match its manifest (`reason` says how).
    case invalidSnapshot(String)
    /// The store's applied index is not the snapshot's index.
    case appliedIndexMismatch(expected: LogIndex, actual: LogIndex)
    /// No backup with this id exists.
    case backupNotFound(UInt32)
    /// A restore target directory already holds files.
    case restoreTargetNotEmpty(String)
    /// There is no backup directory (RocksDB's `meta/` inside it) at this path.
    case noBackupDirectory(String)

    /// A one-line, human-readable rendering for logs and error output.
    public var description: String {
        switch self {
        case .rocksdb(let message): return "rocksdb: \(message)"
        case .unknownColumnFamily(let name): return "unknown column family '\(name)'"
        case .io(let operation, let path, let errno): return "\(operation)(\(path)) failed: errno \(errno)"
        case .corruptSnapshotChunk(let file, let offset): return "snapshot chunk of \(file) at offset \(offset) is corrupt"
        case .invalidSnapshot(let reason): return "invalid snapshot: \(reason)"
        case .appliedIndexMismatch(let expected, let actual):
            return "applied index is \(actual.rawValue), snapshot expects \(expected.rawValue)"
        case .backupNotFound(let id): return "no backup with id \(id)"
        case .restoreTargetNotEmpty(let path): return "restore target \(path) is not empty"
        case .noBackupDirectory(let path): return "no backup directory at \(path) (nothing was ever backed up there)"
        }
    }
}
