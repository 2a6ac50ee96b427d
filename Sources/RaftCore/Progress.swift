/// The leader's view of one follower's log (Raft Figure 2's nextIndex/matchIndex plus
/// etcd-style flow control).
///
/// - probe: the leader does not know where the follower's log matches; it sends one
///   AppendEntries at a time and waits for the answer (or a heartbeat response).
/// - replicate: the logs match up to `match`; the leader streams (pipelines) entries,
///   bounded by `inflights`.
/// - snapshot: `next` is compacted away; the leader streams InstallSnapshot chunks.
///
/// Invariant: `match < next`.
struct Progress: Sendable {
    enum State: Sendable { case probe, replicate, snapshot }

    /// Highest index known to match the leader's log.
    var match: LogIndex = .zero
    /// Index of the next entry to send.
    var next: LogIndex
    var state: State = .probe
    /// probe: one message is out, wait for its answer.
    var probeSent = false
    var inflights: Inflights
    /// Heard from since the last check-quorum round.
    var recentActive = false
    /// Heartbeat answers in a row that arrived while entries (or a snapshot chunk) were
    /// in flight and nothing was acknowledged: the stream probably lost messages.
    var stalledHeartbeats = 0
    /// The highest commit index the follower has been sent, in an append or a heartbeat.
    var sentCommit: LogIndex = .zero
    /// snapshot: the index of the snapshot being sent.
    var pendingSnapshot: LogIndex = .zero
    /// snapshot: bytes of the snapshot the follower has acknowledged.
    var snapshotOffset: UInt64 = 0

    init(next: LogIndex, maxInflightMessages: Int, maxInflightBytes: Int) {
        self.next = next
        self.inflights = Inflights(capacity: maxInflightMessages, maxBytes: maxInflightBytes)
    }

    /// Whether the leader must hold back AppendEntries to this follower.
    var isPaused: Bool {
        switch state {
        case .probe: probeSent
        case .replicate: inflights.isFull
        case .snapshot: true
        }
    }

    mutating func becomeProbe() {
        if state == .snapshot {
            // The follower has (or will have) the snapshot; probe right after it.
            next = max(match.advanced(by: 1), pendingSnapshot.advanced(by: 1))
        } else {
            next = match.advanced(by: 1)
        }
        state = .probe
        probeSent = false
        stalledHeartbeats = 0
        inflights.reset()
        pendingSnapshot = .zero
        snapshotOffset = 0
    }

    mutating func becomeReplicate() {
        state = .replicate
        next = match.advanced(by: 1)
        probeSent = false
        inflights.reset()
    }

    mutating func becomeSnapshot(_ index: LogIndex) {
        state = .snapshot
        probeSent = false
        inflights.reset()
        pendingSnapshot = index
        snapshotOffset = 0
    }

    /// Records a successful acknowledgement of `index`.
    /// - Returns: whether `match` advanced.
    mutating func maybeUpdate(_ index: LogIndex) -> Bool {
        probeSent = false
        var updated = false
        if match < index {
            match = index
            updated = true
        }
        if next <= index { next = index.advanced(by: 1) }
        return updated
    }

    /// Handles a rejection of the AppendEntries whose prevLogIndex was `rejected`;
    /// `matchHint` is the highest index that may still match (fast backtracking).
    /// - Returns: false when the rejection is stale and must be ignored.
    mutating func maybeDecrTo(rejected: LogIndex, matchHint: LogIndex) -> Bool {
        switch state {
        case .replicate:
            // A rejection of something at or below match is a reordered old answer.
            guard rejected > match else { return false }
            becomeProbe()
        case .probe:
            // Only the answer to the probe we sent last (prevLogIndex next-1) counts.
            guard next.rawValue >= 1, next.rawValue - 1 == rejected.rawValue else { return false }
        case .snapshot:
            return false
        }
        let candidate = min(rejected, matchHint.advanced(by: 1))
        next = max(candidate, match.advanced(by: 1))
        probeSent = false
        return true
    }
}
