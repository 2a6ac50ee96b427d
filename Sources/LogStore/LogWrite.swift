import RaftCore

/// Entries already encoded as records (done on the caller's thread, so CRC and LZ4 work
/// runs in parallel with the writer thread's I/O).
struct EncodedEntries: Sendable {
    /// The records, back to back.
    var bytes: [UInt8] = []
    /// Where each entry's record starts in `bytes`.
    var recordStarts: [Int] = []
    /// Each entry's term.
    var terms: [UInt64] = []
    /// Index of the first entry; the rest follow contiguously.
    var firstIndex: LogIndex

    var count: Int { recordStarts.count }
    var lastIndex: LogIndex { LogIndex(firstIndex.rawValue + UInt64(count) - 1) }
    func recordRange(_ k: Int) -> Range<Int> { recordStarts[k]..<(k + 1 < count ? recordStarts[k + 1] : bytes.count) }

    init(_ entries: [Entry], compressionThreshold: Int) {
        firstIndex = entries.first?.index ?? .zero
        bytes.reserveCapacity(entries.reduce(0) { $0 + $1.data.count + RecordCodec.headerSize + RecordCodec.entryHeaderSize })
        recordStarts.reserveCapacity(entries.count)
        terms.reserveCapacity(entries.count)
        for (k, entry) in entries.enumerated() {
            precondition(entry.index.rawValue == firstIndex.rawValue + UInt64(k), "appended entries must have contiguous indices")
            precondition(entry.index > .zero, "index 0 is not a log position")
            recordStarts.append(bytes.count)
            terms.append(entry.term.rawValue)
            RecordCodec.appendEntry(entry, to: &bytes, compressionThreshold: compressionThreshold)
        }
    }
}

/// One request to the writer thread.
enum LogWrite: Sendable {
    /// Append entries (truncating any suffix they replace) and/or record a hard state.
    case append(EncodedEntries?, hardState: HardState?, ticket: DurabilityTicket)
    /// Record a snapshot and drop the log it covers.
    case compact(SnapshotMetadata, ticket: DurabilityTicket)
    /// Finish outstanding work, sync and stop the thread.
    case close(ticket: DurabilityTicket)

    var ticket: DurabilityTicket {
        switch self {
        case .append(_, _, let ticket), .compact(_, let ticket), .close(let ticket): return ticket
        }
    }
}
