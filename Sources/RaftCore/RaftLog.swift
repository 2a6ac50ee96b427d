/// The in-memory Raft log: the entries after the compacted prefix, the prefix of them
/// known durable (`stableIndex`) and the unstable tail not yet handed to the shell. The
/// compacted prefix ends at the latest snapshot or, when the shell keeps entries below
/// it for followers a little behind, before it.
///
/// Invariants:
/// - `entries[k].index == compactedIndex + 1 + k` (contiguous after the compacted prefix);
/// - `compactedIndex <= handedOutIndex`, `compactedIndex <= stableIndex`,
///   `stableIndex <= handedOutIndex <= lastIndex`.
struct RaftLog: Sendable {
    /// The last compacted index (0 when nothing was compacted).
    private(set) var compactedIndex: LogIndex
    /// The term of the entry at `compactedIndex`.
    private(set) var compactedTerm: Term
    /// The entries after `compactedIndex`.
    private(set) var entries: [Entry]
    /// Entries up to here are durable in the shell's log store (their Ready was advanced).
    private(set) var stableIndex: LogIndex
    /// Entries up to here were handed out in a Ready (durable or being written).
    private(set) var handedOutIndex: LogIndex

    /// A log restored from stable storage: everything it holds is durable.
    init(compactedIndex: LogIndex, compactedTerm: Term, entries: [Entry]) {
        self.compactedIndex = compactedIndex
        self.compactedTerm = compactedTerm
        var expected = compactedIndex.advanced(by: 1)
        for entry in entries {
            precondition(entry.index == expected, "restored entries must be contiguous after the compacted prefix")
            expected = expected.advanced(by: 1)
        }
        self.entries = entries
        let last = LogIndex(compactedIndex.rawValue + UInt64(entries.count))
        self.stableIndex = last
        self.handedOutIndex = last
    }

    var lastIndex: LogIndex { LogIndex(compactedIndex.rawValue + UInt64(entries.count)) }
    var firstIndex: LogIndex { compactedIndex.advanced(by: 1) }
    var lastTerm: Term { entries.last?.term ?? compactedTerm }

    /// The position of `index` in `entries`; the caller checks bounds.
    @inline(__always)
    private func offset(_ index: LogIndex) -> Int { Int(index.rawValue - compactedIndex.rawValue - 1) }

    /// The term at `index`, or nil when compacted (below `compactedIndex`) or beyond the log.
    func term(at index: LogIndex) -> Term? {
        if index == compactedIndex { return compactedTerm }
        guard index > compactedIndex, index <= lastIndex else { return nil }
        return entries[offset(index)].term
    }

    func matchTerm(_ index: LogIndex, _ term: Term) -> Bool { self.term(at: index) == term }

    /// Election restriction (§5.4.1): a candidate's log is at least as up-to-date as ours.
    func isUpToDate(lastIndex candidateIndex: LogIndex, lastTerm candidateTerm: Term) -> Bool {
        candidateTerm > lastTerm || (candidateTerm == lastTerm && candidateIndex >= lastIndex)
    }

    /// The entry at `index`, which MUST be held.
    func entry(at index: LogIndex) -> Entry { entries[offset(index)] }

    /// Entries from `index` on, at most `maxBytes` of data but at least one entry, and at
    /// most `maxCount`. Empty when `index` is beyond the log.
    func slice(from index: LogIndex, maxBytes: Int, maxCount: Int = .max) -> [Entry] {
        guard index > compactedIndex, index <= lastIndex else { return [] }
        let lo = offset(index)
        var hi = lo
        var bytes = 0
        while hi < entries.count, hi - lo < maxCount {
            let size = entries[hi].data.count
            if hi > lo, bytes + size > maxBytes { break }
            bytes += size
            hi += 1
        }
        return Array(entries[lo..<hi])
    }

    /// Entries in `range`, clamped to what the log holds.
    func entries(in range: ClosedRange<LogIndex>) -> [Entry] {
        Array(held(in: range))
    }

    /// The data bytes of the entries in `range`, clamped to what the log holds.
    func dataBytes(in range: ClosedRange<LogIndex>) -> Int {
        held(in: range).reduce(0) { $0 + $1.data.count }
    }

    private func held(in range: ClosedRange<LogIndex>) -> ArraySlice<Entry> {
        let lo = max(range.lowerBound, firstIndex)
        let hi = min(range.upperBound, lastIndex)
        guard lo <= hi else { return [] }
        return entries[offset(lo)...offset(hi)]
    }

    /// The first index among `incoming` whose term differs from ours or that we do not
    /// hold, or nil when we hold all of them already. Indices MUST be above `compactedIndex`.
    func firstConflict(in incoming: [Entry]) -> LogIndex? {
        for entry in incoming where !matchTerm(entry.index, entry.term) {
            return entry.index
        }
        return nil
    }

    /// etcd's findConflictByTerm: the largest index `<= index` whose term is `<= term`,
    /// with its term (0 when unknown because compacted). Used by both sides of fast
    /// backtracking so one round trip skips a whole term of divergent entries.
    func findConflictByTerm(_ index: LogIndex, _ term: Term) -> (index: LogIndex, term: Term) {
        var i = min(index, lastIndex)
        while i > .zero {
            guard let t = self.term(at: i) else { return (i, .zero) }
            if t <= term { return (i, t) }
            i = LogIndex(i.rawValue - 1)
        }
        return (.zero, .zero)
    }

    // MARK: - Mutation

    /// Appends entries right after the last one.
    mutating func append(_ new: [Entry]) {
        guard let first = new.first else { return }
        precondition(first.index == lastIndex.advanced(by: 1), "append must be contiguous")
        entries.append(contentsOf: new)
    }

    /// Appends one entry right after the last one.
    mutating func append(_ entry: Entry) {
        precondition(entry.index == lastIndex.advanced(by: 1), "append must be contiguous")
        entries.append(entry)
    }

    /// Drops every entry at or after `index` (a conflicting suffix, §5.3).
    mutating func truncate(from index: LogIndex) {
        precondition(index > compactedIndex, "cannot truncate into the compacted prefix")
        guard index <= lastIndex else { return }
        entries.removeSubrange(offset(index)...)
        let kept = LogIndex(index.rawValue - 1)
        // The store will overwrite from `index` with the next Ready; what it holds at or
        // after `index` no longer counts as our log.
        if stableIndex > kept { stableIndex = kept }
        if handedOutIndex > kept { handedOutIndex = kept }
    }

    /// The entries to hand out in the next Ready (and marks them handed out).
    mutating func takeUnstable() -> [Entry] {
        guard handedOutIndex < lastIndex else { return [] }
        let out = Array(entries[offset(handedOutIndex.advanced(by: 1))...])
        handedOutIndex = lastIndex
        return out
    }

    /// The shell made entries up to `index` (with `term`) durable. Ignored when the
    /// log changed under the Ready in the meantime (the entry is gone or replaced).
    mutating func stableTo(_ index: LogIndex, term: Term) {
        guard matchTerm(index, term), index <= handedOutIndex, index > stableIndex else { return }
        stableIndex = index
    }

    /// Drops entries up to `index` (covered by a snapshot).
    mutating func compact(to index: LogIndex) {
        guard index > compactedIndex else { return }
        precondition(index <= stableIndex, "only durable entries can be compacted")
        let newTerm = term(at: index)!
        entries.removeSubrange(0...offset(index))
        compactedIndex = index
        compactedTerm = newTerm
    }

    /// Replaces the whole log by a snapshot received from the leader.
    mutating func restore(compactedIndex index: LogIndex, term: Term) {
        entries.removeAll()
        compactedIndex = index
        compactedTerm = term
        // NB: the snapshot goes out in the next Ready before any entry, and the shell
        // installs it first; counting it as durable now keeps the invariants simple.
        stableIndex = index
        handedOutIndex = index
    }
}
