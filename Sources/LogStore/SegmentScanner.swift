import RaftCore

/// Reads one segment file front to back at open time and indexes it.
///
/// Rule (ARCHITECTURE "Storage"): keep the longest valid prefix. In the LAST segment a
/// damaged record (torn, bad length, bad checksum) ends the log there: everything from
/// it on is cut, because an interrupted group commit can leave exactly that. In a
/// sealed segment the same damage is corruption of data that was once durable, and
/// opening fails with `LogStoreError.corrupt(segment:offset:)`. Zeros from a record
/// boundary to the end of the last segment are no damage: that is the unused rest of a
/// preallocated segment (`SegmentPreparer`), and the log simply ends there.
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
                // Only zeros from here on: the unused part of a preallocated segment, the
                // clean end of the log rather than damage.
                if !Self.onlyZeros(raw, from: offset) { result.damage = (UInt64(offset), damage) }
                break
            }
            return nil
        }
        if let failure { throw failure }
        result.index.endOffset = UInt64(offset)
        return result
    }

    /// Whether every byte of `raw` from `offset` on is zero.
    static func onlyZeros(_ raw: UnsafeRawBufferPointer, from offset: Int) -> Bool {
        var k = offset
        // Eight bytes at a time while they last: a 64 MiB tail is read at every open.
        while k + 8 <= raw.count {
            if raw.loadUnaligned(fromByteOffset: k, as: UInt64.self) != 0 { return false }
            k += 8
        }
        while k < raw.count {
            if raw[k] != 0 { return false }
            k += 1
        }
        return true
    }
}
