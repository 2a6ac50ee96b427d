import RaftCore

/// What readers and the writer thread share, behind one lock.
///
/// Invariants: `segments` are in index order and join up (`segments[k+1].firstIndex ==
/// segments[k].lastIndex + 1`); entries at or below `snapshot.index` may still sit in
/// the first segment but are logically compacted.
struct LogState: Sendable {
    var segments: [SegmentIndex] = []
    var snapshot: SnapshotMetadata?
    /// The latest hard state: term and vote as in the `hardstate` file, commit as last written.
    var hardState = HardState()
    /// Set once the store is closed or a disk error stopped it; every later call fails with it.
    var failure: LogStoreError?
    /// Bumped by every suffix truncation, so a reader that raced one can tell.
    var truncations: UInt64 = 0

    var firstIndex: LogIndex {
        if let snapshot { return snapshot.index.advanced(by: 1) }
        return segments.first?.firstIndex ?? LogIndex(1)
    }

    var lastIndex: LogIndex {
        if let last = segments.last { return last.lastIndex }
        return snapshot?.index ?? .zero
    }

    /// Position of the segment holding `index` (which MUST lie within the physical log).
    func segmentPosition(of index: LogIndex) -> Int {
        var low = 0, high = segments.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if segments[mid].firstIndex <= index { low = mid } else { high = mid - 1 }
        }
        return low
    }

    /// The term of a stored entry, or of the snapshot's last entry.
    func term(at index: LogIndex) throws(LogStoreError) -> Term {
        if let snapshot, index == snapshot.index { return snapshot.term }
        if index == .zero && snapshot == nil { return .zero }
        guard index >= firstIndex else { throw .compacted(requested: index, firstIndex: firstIndex) }
        guard index <= lastIndex else { throw .unavailable(requested: index, lastIndex: lastIndex) }
        let segment = segments[segmentPosition(of: index)]
        return Term(segment.terms[Int(index.rawValue - segment.firstIndex.rawValue)])
    }

    /// Whether the physical log holds an entry at `index` (compacted or not).
    func physicallyHolds(_ index: LogIndex) -> Bool {
        guard let first = segments.first?.firstIndex else { return false }
        return index >= first && index <= lastIndex
    }

    /// Whether the log (or its snapshot) holds `index` with `term`.
    func holds(_ index: LogIndex, term: Term) -> Bool {
        if let snapshot, snapshot.index == index { return snapshot.term == term }
        return physicallyHolds(index) && physicalTerm(at: index) == term.rawValue
    }

    func physicalTerm(at index: LogIndex) -> UInt64 {
        let segment = segments[segmentPosition(of: index)]
        return segment.terms[Int(index.rawValue - segment.firstIndex.rawValue)]
    }
}
