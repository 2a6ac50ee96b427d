import RaftCore

/// Where each entry of one segment sits.
///
/// Invariant: `offsets.count == terms.count`; `offsets` strictly increase and are all
/// below `endOffset`; entry `firstIndex + k` starts at `offsets[k]`.
struct SegmentIndex: Sendable {
    let file: SegmentFile
    /// Byte offset of each entry record.
    var offsets: [UInt64] = []
    /// Term of each entry, kept in memory so `term(at:)` never touches the disk.
    var terms: [UInt64] = []
    /// Bytes of valid records in the file (records other than entries included).
    var endOffset: UInt64 = 0

    var firstIndex: LogIndex { file.firstIndex }
    var count: Int { offsets.count }
    /// Index of the last entry; `firstIndex - 1` when the segment is empty.
    var lastIndex: LogIndex { LogIndex(firstIndex.rawValue + UInt64(count) - 1) }

    /// Byte offset where the record of the `k`-th entry ends (trailing non-entry records included).
    func recordEnd(_ k: Int) -> UInt64 { k + 1 < count ? offsets[k + 1] : endOffset }
}
