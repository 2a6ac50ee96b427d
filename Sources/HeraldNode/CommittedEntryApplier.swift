public import RaftCore

/// The replicated state machine as the Raft loop sees it: it applies committed
/// entries in log order, durably and exactly once.
public protocol CommittedEntryApplier: Sendable {
    /// What applying one command produced, handed back to whoever proposed it.
    associatedtype Outcome: Sendable

    /// The index of the last entry whose effects are durable in the state store.
    var appliedIndex: LogIndex { get }

    /// Applies `entries` (consecutive, in log order) and makes the result durable
    /// together with the new applied index. Entries at or below `appliedIndex` MUST be
    /// skipped (they were applied before a restart).
    /// - Returns: the outcome of each command entry, by index.
    /// - Throws: only for a storage failure, which stops the node.
    func apply(_ entries: [Entry]) throws -> [LogIndex: Outcome]
}
