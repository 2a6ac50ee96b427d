public import RaftCore

/// What the log store reports. `.compacted`, `.unavailable` and `.corrupt` are the cases
/// a caller acts on; `.io` means the disk failed and the node MUST stop (STYLE §5).
public enum LogStoreError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The requested index lies at or before the snapshot; those entries are gone.
    case compacted(requested: LogIndex, firstIndex: LogIndex)
    /// The requested index lies beyond the last stored entry.
    case unavailable(requested: LogIndex, lastIndex: LogIndex)
    /// A record failed its checksum or framing where a torn write cannot explain it.
    /// `segment` is the file name, `offset` the byte offset of the bad record.
    case corrupt(segment: String, offset: UInt64)
    /// Segment files do not join up: `segment` starts at `firstIndex` but `expected` was next.
    case indexGap(segment: String, firstIndex: LogIndex, expected: LogIndex)
    /// An append does not continue the log: its first index is `first`, the log ends at `lastIndex`.
    case nonContiguous(first: LogIndex, lastIndex: LogIndex)
    /// A metadata file (`hardstate`, `snapshot.meta`) failed its checksum.
    case corruptMetadata(file: String)
    /// A system call failed; `errno` is the C error number.
    case io(operation: String, path: String, errno: Int32)
    /// An entry's record would be larger than `LogStoreOptions.maxRecordBytes`, so it
    /// could not be read back; nothing of the append was written.
    case recordTooLarge(index: LogIndex, bytes: Int, limit: Int)
    /// The store was closed, or stopped after an earlier disk error.
    case closed

    /// A one-line, human-readable rendering for logs and error output.
    public var description: String {
        switch self {
        case .compacted(let requested, let first):
            return "index \(requested.rawValue) is compacted (first stored index \(first.rawValue))"
        case .unavailable(let requested, let last):
            return "index \(requested.rawValue) is not in the log (last index \(last.rawValue))"
        case .corrupt(let segment, let offset):
            return "\(segment): corrupt record at offset \(offset)"
        case .indexGap(let segment, let first, let expected):
            return "\(segment): starts at index \(first.rawValue), expected \(expected.rawValue)"
        case .nonContiguous(let first, let last):
            return "append at index \(first.rawValue) does not continue the log ending at \(last.rawValue)"
        case .corruptMetadata(let file):
            return "\(file): checksum mismatch"
        case .io(let operation, let path, let errno):
            return "\(operation)(\(path)) failed: errno \(errno)"
        case .recordTooLarge(let index, let bytes, let limit):
            return "entry \(index.rawValue) needs a record of \(bytes) bytes, above the limit of \(limit)"
        case .closed:
            return "log store is closed"
        }
    }
}
