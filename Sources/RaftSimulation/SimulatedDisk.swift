public import RaftCore

/// One node's durable storage: what survives a crash.
///
/// It holds exactly what the node persisted through the `Ready` protocol (hard state,
/// snapshot, entries) and nothing the core kept only in memory. Restart rebuilds the
/// core from `restoredState(initialMembership:)`.
public struct SimulatedDisk: Sendable {
    /// The last persisted hard state.
    public private(set) var hardState = HardState()
    /// The last installed or compacted-to snapshot.
    public private(set) var snapshot: Snapshot?
    /// Invariant: contiguous, and the first entry follows `snapshot` (or index 1).
    public private(set) var entries: [Entry] = []

    /// Creates an empty disk.
    public init() {}

    /// Creates a disk that already holds state (scenario tests start from the logs of
    /// the Raft paper's figures).
    /// - Parameters:
    ///   - hardState: the persisted hard state.
    ///   - entries: contiguous entries from index 1.
    public init(hardState: HardState, entries: [Entry]) {
        self.hardState = hardState
        self.entries = entries
    }

    /// Index of the last entry the snapshot covers (0 without a snapshot).
    public var snapshotIndex: LogIndex { snapshot?.metadata.index ?? .zero }

    /// Index of the last persisted entry (or of the snapshot when no entries follow it).
    public var lastIndex: LogIndex { entries.last?.index ?? snapshotIndex }

    /// Installs a snapshot received from the leader (Ready step 2). Entries it covers go;
    /// entries after it stay only if the log agrees with the snapshot at its index.
    /// - Parameter newSnapshot: the snapshot.
    public mutating func install(_ newSnapshot: Snapshot) {
        let index = newSnapshot.metadata.index
        let agrees = entries.contains { $0.index == index && $0.term == newSnapshot.metadata.term }
        entries = agrees ? entries.filter { $0.index > index } : []
        snapshot = newSnapshot
    }

    /// Persists entries (Ready step 3): the suffix from `newEntries[0].index` replaces
    /// whatever was stored at or after that index.
    /// - Parameter newEntries: contiguous entries that attach to the stored log.
    /// - Returns: false (storing nothing) if they would leave a gap or are not
    ///   contiguous: the core asked for something no log store can do.
    @discardableResult
    public mutating func append(_ newEntries: [Entry]) -> Bool {
        guard let first = newEntries.first else { return true }
        for (offset, entry) in newEntries.enumerated()
        where entry.index != first.index.advanced(by: UInt64(offset)) {
            return false
        }
        guard first.index.rawValue <= lastIndex.rawValue + 1 else { return false }
        if first.index <= snapshotIndex {
            // NB: entries the snapshot already covers are dropped; the rest attach after it.
            let tail = newEntries.filter { $0.index > snapshotIndex }
            return tail.isEmpty || append(tail)
        }
        entries.removeAll { $0.index >= first.index }
        entries.append(contentsOf: newEntries)
        return true
    }

    /// Persists the hard state (Ready step 3).
    /// - Parameter newHardState: the state to store.
    public mutating func persist(_ newHardState: HardState) {
        hardState = newHardState
    }

    /// Compacts the stored log to a snapshot the node made of its own applied state.
    /// - Parameter newSnapshot: the snapshot, at or below the last stored entry.
    public mutating func compact(to newSnapshot: Snapshot) {
        let index = newSnapshot.metadata.index
        guard index > snapshotIndex else { return }
        entries.removeAll { $0.index <= index }
        snapshot = newSnapshot
    }

    /// What the node restarts from.
    /// - Parameter initialMembership: the membership the node was started with.
    /// - Returns: the durable state.
    public func restoredState(initialMembership: Membership) -> RestoredState {
        RestoredState(hardState: hardState, snapshot: snapshot, entries: entries,
                      initialMembership: initialMembership)
    }
}
