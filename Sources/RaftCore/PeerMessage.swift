/// A message between two Raft nodes. The shell moves it; only the core reads it.
public struct PeerMessage: Hashable, Sendable {
    /// The sender.
    public var from: NodeID
    /// The receiver.
    public var to: NodeID
    /// The sender's term (for pre-vote requests: the term it would campaign in).
    public var term: Term
    /// What the message says.
    public var body: Body

    /// Creates a message.
    public init(from: NodeID, to: NodeID, term: Term, body: Body) {
        self.from = from
        self.to = to
        self.term = term
        self.body = body
    }

    /// The kinds of message, after Raft Figure 2 plus pre-vote, heartbeats,
    /// chunked InstallSnapshot (Figure 13), TimeoutNow and ReadIndex.
    public enum Body: Hashable, Sendable {
        /// Would you vote for me in `term`? Changes no state at the receiver (thesis §9.6).
        case preVote(lastLogIndex: LogIndex, lastLogTerm: Term)
        /// Answer to `preVote`.
        case preVoteResponse(granted: Bool)
        /// RequestVote (§5.2). `leadershipTransfer` lets the candidate bypass leader stickiness.
        case requestVote(lastLogIndex: LogIndex, lastLogTerm: Term, leadershipTransfer: Bool)
        /// Answer to `requestVote`.
        case requestVoteResponse(granted: Bool)
        /// AppendEntries (§5.3).
        case append(prevLogIndex: LogIndex, prevLogTerm: Term, entries: [Entry], leaderCommit: LogIndex)
        /// Answer to `append`. On success `matchIndex` is the last index now known to
        /// match the leader. On rejection `matchIndex` echoes the rejected
        /// `prevLogIndex`, and `rejectHint`/`rejectHintTerm` give the follower's conflict
        /// hint (the largest index `<= prevLogIndex` whose term is `<= prevLogTerm`, and
        /// that term; 0 when unknown) for fast backtracking. A node that sees an `append`
        /// or `heartbeat` of a stale term answers with a rejection carrying its own
        /// newer term, so the stale leader steps down.
        case appendResponse(success: Bool, matchIndex: LogIndex, rejectHint: LogIndex, rejectHintTerm: Term)
        /// A heartbeat carrying the commit index the follower may safely adopt and a
        /// ReadIndex round context (0 when none).
        case heartbeat(commit: LogIndex, context: UInt64)
        /// Answer to `heartbeat`, echoing its context.
        case heartbeatResponse(context: UInt64)
        /// One chunk of InstallSnapshot (Figure 13). `offset` is the byte offset of
        /// `chunk` in `snapshot.data`; `done` marks the last chunk.
        case installSnapshot(metadata: SnapshotMetadata, offset: UInt64, chunk: [UInt8], done: Bool)
        /// Answer to one `installSnapshot` chunk: the bytes assembled so far (equal to the
        /// snapshot's size once it is installed), or a rejection whose `bytesReceived`
        /// tells the leader where to resume. A follower that already holds everything
        /// the snapshot covers answers with `appendResponse(success: true, matchIndex: commit)`.
        case installSnapshotResponse(index: LogIndex, bytesReceived: UInt64, success: Bool)
        /// Leadership transfer: start an election now, ignoring the election timer.
        case timeoutNow
        /// A follower asks the leader for a read index on behalf of a client.
        case readIndex(context: UInt64)
        /// The leader's answer to `readIndex`.
        case readIndexResponse(context: UInt64, index: LogIndex)
    }
}
