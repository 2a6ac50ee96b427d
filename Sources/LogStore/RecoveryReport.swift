public import RaftCore

/// What `LogStore` found and repaired when it opened. Log it: a non-nil `truncation`
/// means the last segment ended in a torn or damaged record that was cut off.
public struct RecoveryReport: Sendable, Hashable, CustomStringConvertible {
    /// Why bytes at the end of the last segment were discarded.
    public enum Damage: String, Sendable, Hashable {
        /// The file ends inside a record (a write that never finished).
        case tornRecord = "torn record"
        /// A complete record whose checksum does not match.
        case checksumMismatch = "checksum mismatch"
        /// A length or type field that cannot be right.
        case invalidRecord = "invalid record"
    }

    /// A cut made at the end of the last segment.
    public struct Truncation: Sendable, Hashable {
        /// The segment file name.
        public var segment: String
        /// Byte offset of the first discarded byte (the start of the damaged record).
        public var offset: UInt64
        /// How many bytes were discarded.
        public var discardedBytes: UInt64
        /// What was wrong.
        public var damage: Damage
    }

    /// How many segment files were read.
    public var segmentsScanned = 0
    /// The cut at the tail of the last segment, if one was needed.
    public var truncation: Truncation?
    /// Segment files deleted because a snapshot covers them or supersedes them.
    public var removedSegments: [String] = []
    /// The first entry index available after recovery.
    public var firstIndex = LogIndex(1)
    /// The last entry index after recovery.
    public var lastIndex = LogIndex.zero

    /// A one-line, human-readable rendering for logs and error output.
    public var description: String {
        var text = "log recovered: \(segmentsScanned) segment(s), entries \(firstIndex.rawValue)...\(lastIndex.rawValue)"
        if let cut = truncation {
            text += "; cut \(cut.segment) at offset \(cut.offset) (\(cut.damage.rawValue), \(cut.discardedBytes) bytes discarded)"
        }
        if !removedSegments.isEmpty { text += "; removed \(removedSegments.joined(separator: ", "))" }
        return text
    }
}
