public import RaftCore

/// A node's log as the checker sees it: a compacted prefix (the snapshot) followed by
/// the entries still held.
public struct NodeLog: Hashable, Sendable {
    /// The last index the snapshot covers (0 without one).
    public var snapshotIndex: LogIndex
    /// The term at `snapshotIndex`.
    public var snapshotTerm: Term
    /// Invariant: contiguous, starting at `snapshotIndex + 1`.
    public var entries: [Entry]

    /// Creates a log view.
    /// - Parameters:
    ///   - snapshotIndex: the compacted prefix's last index.
    ///   - snapshotTerm: its term.
    ///   - entries: the entries after it, contiguous.
    public init(snapshotIndex: LogIndex = .zero, snapshotTerm: Term = .zero, entries: [Entry]) {
        self.snapshotIndex = snapshotIndex
        self.snapshotTerm = snapshotTerm
        self.entries = entries
    }

    /// The last index in the log.
    public var lastIndex: LogIndex { snapshotIndex.advanced(by: UInt64(entries.count)) }

    /// The entry at `index`, or nil when compacted away or beyond the log.
    /// - Parameter index: the index.
    /// - Returns: the entry.
    public func entry(at index: LogIndex) -> Entry? {
        guard index > snapshotIndex, index <= lastIndex else { return nil }
        return entries[Int(index.rawValue - snapshotIndex.rawValue - 1)]
    }

    /// The term at `index`: known for held entries and for the snapshot's own index.
    /// - Parameter index: the index.
    /// - Returns: the term, or nil when unknown.
    public func term(at index: LogIndex) -> Term? {
        if index == snapshotIndex { return snapshotTerm }
        return entry(at: index)?.term
    }
}
