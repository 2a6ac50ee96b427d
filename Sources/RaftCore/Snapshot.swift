/// Where a snapshot sits in the log and what membership it carries.
public struct SnapshotMetadata: Hashable, Sendable {
    /// The last log index the snapshot covers.
    public var index: LogIndex
    /// The term of the entry at `index`.
    public var term: Term
    /// The membership in force at `index`.
    public var membership: Membership

    /// Creates snapshot metadata.
    public init(index: LogIndex, term: Term, membership: Membership) {
        self.index = index
        self.term = term
        self.membership = membership
    }
}

/// A snapshot of the application state machine at `metadata.index`.
/// `data` is opaque to the core; Herald's shell puts a checkpoint descriptor or the
/// checkpoint bytes there.
public struct Snapshot: Hashable, Sendable {
    /// Where the snapshot sits.
    public var metadata: SnapshotMetadata
    /// The application's bytes.
    public var data: [UInt8]

    /// Creates a snapshot.
    public init(metadata: SnapshotMetadata, data: [UInt8]) {
        self.metadata = metadata
        self.data = data
    }
}
