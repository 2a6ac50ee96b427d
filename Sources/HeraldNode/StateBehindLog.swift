import RaftCore

/// The state store holds less than the Raft log assumes: its applied index is below
/// the snapshot the log starts from, so the entries in between are in neither. The node
/// refuses to start; it must be rebuilt (docs/operations.md, "Rebuilding a node").
struct StateBehindLog: Error, CustomStringConvertible {
    /// The state store's applied index.
    var applied: LogIndex
    /// The index of the snapshot the log starts after.
    var snapshot: LogIndex

    var description: String {
        "the state store is at applied index \(applied.rawValue), behind the snapshot at index \(snapshot.rawValue) "
            + "that the Raft log starts from: the entries in between are lost on this node; rebuild it from the others"
    }
}
