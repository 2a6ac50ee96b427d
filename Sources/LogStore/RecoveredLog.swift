public import RaftCore

/// Everything `RaftCore.RestoredState` needs from the log store after a restart.
public struct RecoveredLog: Sendable, Hashable {
    /// The persisted hard state (commit is at least the snapshot index).
    public var hardState: HardState
    /// Metadata of the snapshot the log was compacted to, if any.
    public var snapshot: SnapshotMetadata?
    /// Every entry after the snapshot, contiguous and in order.
    public var entries: [Entry]

    /// Builds the core's restore input.
    /// - Parameters:
    ///   - initialMembership: the bootstrap membership of a brand-new cluster.
    ///   - snapshotData: the state machine's snapshot bytes (or descriptor) for `snapshot`.
    /// - Returns: the state to pass to `RaftCore.init(config:restoring:seed:)`.
    public func restoredState(initialMembership: Membership, snapshotData: [UInt8] = []) -> RestoredState {
        RestoredState(hardState: hardState,
                      snapshot: snapshot.map { Snapshot(metadata: $0, data: snapshotData) },
                      entries: entries,
                      initialMembership: initialMembership)
    }
}
