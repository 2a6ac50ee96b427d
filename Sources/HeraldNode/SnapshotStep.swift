public import RaftCore

/// Where the next snapshot stands, as `SnapshotStorage.prepare()` tells the Raft loop.
public enum SnapshotStep: Sendable, Equatable {
    /// A checkpoint or a seal is running off the loop (or was just started); ask again
    /// on a later iteration.
    case waiting
    /// The checkpoint is finished and holds the state at this applied index: the loop
    /// calls `seal(at:)` with that index's metadata, or `discardCheckpoint()` when it
    /// cannot use it.
    case checkpointed(LogIndex)
    /// The snapshot is sealed and durable, so the loop may compact its log to it; the
    /// descriptor is what the core carries for it.
    case sealed(SnapshotMetadata, descriptor: [UInt8])
    /// Sealing failed (logged); the log stays as it is, and the loop tries again after
    /// another interval.
    case abandoned
}
