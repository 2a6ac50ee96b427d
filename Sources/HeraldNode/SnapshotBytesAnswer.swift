/// What a node answers to a request for part of a state snapshot
/// (`GET /v1/snapshots/...`).
public enum SnapshotBytesAnswer: Sendable, Equatable {
    /// The bytes asked for (HTTP 200).
    case bytes([UInt8])
    /// Not kept here, perhaps not sealed yet: worth asking again (HTTP 404).
    case notKept
    /// No longer kept: newer snapshots replaced it (HTTP 410). A follower fetching it
    /// stops and waits for the leader's current snapshot.
    case replaced
    /// The range starts past the end of the file (HTTP 416).
    case outOfRange
}
