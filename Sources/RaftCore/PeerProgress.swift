/// A read-only view of the leader's replication progress for one member, for status
/// pages and the simulation's checks.
public struct PeerProgress: Hashable, Sendable {
    /// How the leader currently replicates to the member.
    public enum State: String, Hashable, Sendable {
        /// Looking for the point where the logs match, one message at a time.
        case probe
        /// Streaming entries (pipelined, flow controlled).
        case replicate
        /// Sending an InstallSnapshot.
        case snapshot
    }

    /// Highest index known to match the leader's log.
    public var match: LogIndex
    /// The next index the leader will send.
    public var next: LogIndex
    /// The replication state.
    public var state: State
    /// AppendEntries messages in flight.
    public var inflightMessages: Int
    /// Whether the member answered since the last check-quorum round.
    public var recentActive: Bool
    /// In `snapshot` state, the index of the snapshot being sent; zero otherwise.
    public var pendingSnapshot: LogIndex

    /// Creates a progress view.
    public init(match: LogIndex, next: LogIndex, state: State, inflightMessages: Int, recentActive: Bool,
                pendingSnapshot: LogIndex = .zero) {
        self.match = match
        self.next = next
        self.state = state
        self.inflightMessages = inflightMessages
        self.recentActive = recentActive
        self.pendingSnapshot = pendingSnapshot
    }
}
