import RaftCore

/// Reads one segment file front to back at open time and indexes it.
///
/// Rule (ARCHITECTURE "Storage"): keep the longest valid prefix. In the LAST segment a
/// damaged record (torn, bad length, bad checksum) ends the log there: everything from
/// it on is cut, because an interrupted group commit can leave exactly that. In a
/// sealed segment the same damage is corruption of data that was once durable, and
/// opening fails with `LogStoreError.corrupt(segment:offset:)`.
struct SegmentScanner {
    struct Result {
        var index: SegmentIndex
        var highestCommit: UInt64 = 0
        /// Where the valid prefix ends and why, when it ends before the file does.
        var damage: (offset: UInt64, damage: RecoveryReport.Damage)?
    }

    let maxRecordBytes: Int

    func scan(_ file: SegmentFile, isLast: Bool) throws(LogStoreError) -> Result {
        let bytes = try PosixFile.readAll(file.path)
        var result = Result(index: SegmentIndex(file: file))
        var expected = file.firstIndex.rawValue
        var offset = 0
        let failure: LogStoreError? = bytes.withUnsafeBytes { raw in
            while offset < raw.count {
                let damage: RecoveryReport.Damage
                switch RecordCodec.parse(raw, at: offset, maxRecordBytes: maxRecordBytes) {
                case .record(let type, let payload):
                    if type & ~RecordCodec.compressedFlag == RecordCodec.RecordType.entry.rawValue {
                        let (term, index) = RecordCodec.entryPosition(raw, payload: payload)
                        // A record with a valid checksum but the wrong index was written
                        // that way: no torn write explains it.
                        guard index == expected else { return .corrupt(segment: file.name, offset: UInt64(offset)) }
                        result.index.offsets.append(UInt64(offset))
                        result.index.terms.append(term)
                        expected += 1
                    } else {
                        result.highestCommit = max(result.highestCommit, RecordCodec.commitIndex(raw, payload: payload))
                    }
                    offset = payload.upperBound
                    continue
                case .truncated: damage = .tornRecord
                case .badLength: damage = .invalidRecord
                case .checksumMismatch: damage = .checksumMismatch
                }
                guard isLast else { return .corrupt(segment: file.name, offset: UInt64(offset)) }
                result.damage = (UInt64(offset), damage)
                break
            }
            return nil
        }
        if let failure { throw failure }
        result.index.endOffset = UInt64(offset)
        return result
    }
}
