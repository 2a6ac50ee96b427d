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

    /// Prepares the next snapshot without blocking the loop (flushes the state in the
    /// background), so that `take` has little left to write.
    /// - Returns: true once prepared; call again on later iterations until it is.
    func prepare() throws -> Bool

    /// Starts a snapshot of the state, which is applied exactly up to `metadata.index`.
    /// Called from the loop between two applies, after `prepare` returned true.
    /// - Returns: its descriptor, or nil when the previous snapshot is still being written.
    func take(at metadata: SnapshotMetadata) throws -> [UInt8]?

    /// Replaces the state with `snapshot`, fetched from `leader` or another member,
    /// recording the intent first so a crash before the log is compacted is finished
    /// on restart (`interruptedInstall`).
    func install(_ snapshot: Snapshot, leader: NodeID?) async throws

    /// An install whose state swap may have happened while the log was not yet
    /// compacted to it, found after a crash.
    func interruptedInstall() -> SnapshotMetadata?

    /// Forgets the install intent once the log is compacted to the snapshot.
    func finishInstall() throws
}
