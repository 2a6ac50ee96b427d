public import RaftCore

/// How the Raft loop takes, keeps and installs snapshots of the replicated state.
///
/// The bytes the core carries for a snapshot (and streams to a follower inside
/// InstallSnapshot) are a short descriptor; the state itself stays on disk and a
/// follower fetches it from a node that keeps it.
public protocol SnapshotStorage: Sendable {
    /// The descriptor for the snapshot the log was compacted to, when the node restarts.
    /// - Returns: nil when this node neither keeps that snapshot nor can take it again
    ///   (its state is already past it); the loop then takes a fresh one.
    func descriptor(restoring metadata: SnapshotMetadata) throws -> [UInt8]?

    /// Advances the next snapshot without blocking the loop: starts a checkpoint of the
    /// state in the background while the loop goes on applying entries, and reports
    /// when it is finished and, after `seal(at:)`, when the snapshot is sealed. Call
    /// again on later iterations until it reports `.sealed` or `.abandoned`.
    /// - Throws: when the checkpoint failed.
    func prepare() throws -> SnapshotStep

    /// Seals the finished checkpoint as the snapshot `metadata` (whose index is the one
    /// `prepare` reported) in the background; `prepare` reports `.sealed` once it is
    /// durable, and only then may the log be compacted to it.
    func seal(at metadata: SnapshotMetadata)

    /// Drops a finished checkpoint the loop cannot use (the log moved past its index).
    func discardCheckpoint()

    /// Waits for a checkpoint or seal running off the loop; called once the loop has
    /// stopped, so the process does not end in the middle of one.
    func finishBackgroundWork() async

    /// Replaces the state with `snapshot`, fetched from `leader` or another member,
    /// recording the intent first so a crash before the log is compacted is finished
    /// on restart (`interruptedInstall`).
    /// - Throws: `CancellationError` when the node shuts down before the state was
    ///   swapped (the install starts again after a restart); `SnapshotSuperseded` when
    ///   the leader replaced the snapshot first (the loop starts over from its log); any
    ///   other error stops the node.
    func install(_ snapshot: Snapshot, leader: NodeID?) async throws

    /// An install whose state swap may have happened while the log was not yet
    /// compacted to it, found after a crash.
    func interruptedInstall() -> SnapshotMetadata?

    /// Forgets the install intent once the log is compacted to the snapshot.
    func finishInstall() throws
}
