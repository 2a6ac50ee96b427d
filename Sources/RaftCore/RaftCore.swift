/// A pure Raft node: election with pre-vote and check-quorum, pipelined replication
/// with flow control, snapshots, one-at-a-time membership change, leader transfer and
/// ReadIndex. It never reads a clock, a file, a socket or the system RNG: time comes
/// in as `tick()`, randomness from `seed`, and everything it wants done goes out
/// through `Ready` (see `Ready` for the order the shell MUST follow).
///
/// The core keeps the entries after its latest snapshot in memory; the shell's log
/// store is their durable mirror. The shell compacts both with `compact(to:)`.
///
/// The implementation is split by topic: `RaftCore+Election.swift` (timers, pre-vote,
/// votes, check-quorum), `RaftCore+Replication.swift` (AppendEntries, commit, flow
/// control), `RaftCore+Snapshot.swift`, `RaftCore+Membership.swift`,
/// `RaftCore+ReadIndex.swift`, `RaftCore+Transfer.swift` and `RaftCore+Ready.swift`.
public struct RaftCore: Sendable {
    // MARK: - Persistent state (Figure 2), reported through Ready.hardState

    let config: RaftConfig
    /// Latest term seen. Invariant: only grows.
    var currentTerm: Term
    /// Candidate voted for in `currentTerm`.
    var votedFor: NodeID?

    // MARK: - Volatile state

    var currentRole: Role = .follower
    var currentLeader: NodeID?
    var raftLog: RaftLog
    /// Invariant: `applied <= handedOutApplied <= committed <= raftLog.lastIndex`.
    var committed: LogIndex
    /// Committed entries handed out in a Ready (maybe not yet advanced).
    var handedOutApplied: LogIndex
    /// Committed entries handed out in a Ready that was advanced.
    var applied: LogIndex
    var membershipLog: MembershipLog
    var prng: SplitMix64

    /// Ticks since the last election timeout (followers: since hearing a leader).
    var electionElapsed = 0
    var heartbeatElapsed = 0
    /// Drawn from `[electionTicks, 2 * electionTicks)` at each reset (§5.2).
    var randomizedElectionTimeout = 0

    /// (Pre)candidate: answers received, by voter.
    var votes: [NodeID: Bool] = [:]

    // Leader only.
    var progress = ProgressTracker()
    var leadTransferee: NodeID?
    var transferElapsed = 0
    /// Bytes of entries proposed in this term and not yet committed.
    var uncommittedBytes = 0
    var readOnly = ReadOnly()
    /// A read was registered since the last Ready: one heartbeat round (sent from
    /// `takeReady`) confirms every read registered before it.
    var readRoundPending = false
    /// The progress table still tracks members the membership removed (see
    /// `pruneRemovedProgress`).
    var tracksRemovedMembers = false
    /// Forwarded ReadIndex requests that arrived before this leader committed an
    /// entry of its term; answered once it has.
    var pendingForwardedReads: [PeerMessage] = []

    // Snapshots.
    /// The latest snapshot (taken locally with `compact(to:)` or received); the leader
    /// streams it to followers whose next entry was compacted.
    var latestSnapshot: Snapshot?
    /// A received snapshot still to hand out in Ready.
    var unreportedSnapshot: Snapshot?
    /// Follower: the InstallSnapshot being assembled from chunks.
    var incomingSnapshot: Snapshot?

    // Outputs accumulated for the next Ready.
    var outbox: [PeerMessage] = []
    var outboxAfterPersist: [PeerMessage] = []
    var pendingReadStates: [ReadState] = []
    var reportedSoftState: SoftState
    var reportedHardState: HardState
    /// The hard state of the last advanced Ready (or the restored one): what is durable.
    var persistedHardState: HardState

    /// Restores a node from its durable state.
    /// - Parameters:
    ///   - config: this node's tunables.
    ///   - state: what the log store recovered (empty for a new node).
    ///   - seed: seeds the election-jitter PRNG; production uses a random seed,
    ///     simulations the test seed.
    public init(config: RaftConfig, restoring state: RestoredState, seed: UInt64) {
        precondition(config.electionTicks > 0 && config.heartbeatTicks > 0, "timers must be positive")
        precondition(config.heartbeatTicks < config.electionTicks, "heartbeatTicks MUST be below electionTicks")
        self.config = config
        let snapIndex = state.snapshot?.metadata.index ?? .zero
        let snapTerm = state.snapshot?.metadata.term ?? .zero
        raftLog = RaftLog(compactedIndex: snapIndex, compactedTerm: snapTerm, entries: state.entries)
        membershipLog = MembershipLog(base: state.snapshot?.metadata.membership ?? state.initialMembership,
                                      at: snapIndex)
        for entry in state.entries { _ = membershipLog.appended(entry) }
        latestSnapshot = state.snapshot
        currentTerm = state.hardState.term
        votedFor = state.hardState.vote
        committed = min(max(state.hardState.commit, snapIndex), raftLog.lastIndex)
        applied = min(max(state.applied, snapIndex), committed)
        handedOutApplied = applied
        prng = SplitMix64(seed: seed ^ (config.id.rawValue &* 0x9E37_79B9_7F4A_7C15))
        reportedSoftState = SoftState(role: .follower, leader: nil)
        reportedHardState = HardState(term: currentTerm, vote: votedFor, commit: committed)
        persistedHardState = reportedHardState
        resetRandomizedElectionTimeout()
    }

    // MARK: - Inputs

    /// Advances logical time by one tick (election and heartbeat timers).
    public mutating func tick() {
        if currentRole == .leader {
            tickLeader()
        } else {
            tickElection()
        }
    }

    /// Feeds one message from a peer. Messages of stale terms are ignored or answered
    /// with our newer term as Raft says; answers from nodes the leader does not track,
    /// messages not addressed to this node and malformed batches are dropped. Nothing a
    /// peer sends can trap or break an internal invariant (a *forged* leader can still
    /// corrupt the log: Raft assumes non-Byzantine peers).
    ///
    /// NB: AppendEntries, heartbeats and snapshots are accepted from any node that is
    /// leader of our term, even one outside our membership: a new learner starts with
    /// a membership that does not list itself and learns the real one from the leader.
    /// - Parameter message: a message addressed to this node.
    public mutating func step(_ message: PeerMessage) {
        guard message.to == config.id, message.from != config.id, message.from.rawValue != 0 else { return }
        // NB: terms and indexes this large cannot come from a real cluster; refusing them
        // keeps `term + 1` and `index + n` arithmetic far from overflow.
        guard message.term.rawValue < Self.absurd else { return }
        guard stepTerm(message) else { return }
        switch message.body {
        case .preVote(let lastIndex, let lastTerm):
            handleVoteRequest(message, preVote: true, lastIndex: lastIndex, lastTerm: lastTerm)
        case .requestVote(let lastIndex, let lastTerm, _):
            handleVoteRequest(message, preVote: false, lastIndex: lastIndex, lastTerm: lastTerm)
        case .preVoteResponse(let granted):
            if currentRole == .preCandidate { handleVoteResponse(from: message.from, granted: granted) }
        case .requestVoteResponse(let granted):
            if currentRole == .candidate { handleVoteResponse(from: message.from, granted: granted) }
        case .append(let prevIndex, let prevTerm, let entries, let leaderCommit):
            guard acceptLeader(message) else { return }
            handleAppend(message, prevIndex: prevIndex, prevTerm: prevTerm, entries: entries,
                         leaderCommit: leaderCommit)
        case .appendResponse(let success, let matchIndex, let hint, let hintTerm):
            guard currentRole == .leader else { return }
            handleAppendResponse(from: message.from, success: success, matchIndex: matchIndex,
                                 rejectHint: hint, rejectHintTerm: hintTerm)
        case .heartbeat(let commit, let context):
            guard acceptLeader(message) else { return }
            handleHeartbeat(message, commit: commit, context: context)
        case .heartbeatResponse(let context):
            guard currentRole == .leader else { return }
            handleHeartbeatResponse(from: message.from, context: context)
        case .installSnapshot(let metadata, let offset, let chunk, let done):
            guard acceptLeader(message) else { return }
            handleInstallSnapshot(message, metadata: metadata, offset: offset, chunk: chunk, done: done)
        case .installSnapshotResponse(let index, let bytesReceived, let success):
            guard currentRole == .leader else { return }
            handleInstallSnapshotResponse(from: message.from, index: index, bytesReceived: bytesReceived,
                                          success: success)
        case .timeoutNow:
            handleTimeoutNow(message)
        case .readIndex(let context):
            handleForwardedReadIndex(message, context: context)
        case .readIndexResponse(let context, let index):
            // Answers come only from the leader of our term (stale terms were dropped).
            guard currentRole != .leader else { return }
            pendingReadStates.append(ReadState(index: index, context: context))
        }
    }

    /// Proposes an application command.
    /// - Parameter command: the command bytes (opaque to the core).
    /// - Returns: the term and index the entry will have if it commits.
    /// - Throws: `ProposalError` when this node cannot accept it now.
    public mutating func propose(_ command: [UInt8]) throws(ProposalError) -> (term: Term, index: LogIndex) {
        try checkCanPropose(bytes: command.count)
        return appendAsLeader(kind: .command, data: command)
    }

    /// Proposes a membership change (one at a time, thesis §4.1).
    /// - Parameter change: the change.
    /// - Returns: the term and index of the membership entry.
    /// - Throws: `ProposalError.notLeader`, `.transferInProgress`,
    ///   `.membershipChangePending` (one is uncommitted, or this leader has not yet
    ///   committed an entry of its term) or `.invalidMembershipChange`.
    public mutating func proposeMembershipChange(_ change: MembershipChange) throws(ProposalError) -> (term: Term, index: LogIndex) {
        let data = MembershipChange.encode(change)
        try checkCanPropose(bytes: data.count)
        guard raftLog.term(at: committed) == currentTerm, membershipLog.latestIndex <= committed else {
            throw .membershipChangePending
        }
        if let reason = membership.validate(change) { throw .invalidMembershipChange(reason) }
        return appendAsLeader(kind: .membership, data: data)
    }

    /// Starts a leadership transfer to `target` (thesis §3.10): the leader stops
    /// accepting proposals, brings the target up to date and sends it TimeoutNow.
    /// Aborted after an election timeout. Asking again for the same target is a no-op.
    /// - Parameter target: a voter.
    /// - Throws: `TransferError` when this node cannot transfer to `target`.
    public mutating func transferLeadership(to target: NodeID) throws(TransferError) {
        guard currentRole == .leader else { throw .notLeader(hint: currentLeader) }
        guard target != config.id else { throw .alreadyLeader }
        guard membership.voters.contains(target) else { throw .notAVoter(target) }
        startTransfer(to: target)
    }

    /// Asks for a linearizable read tagged `context` (thesis §6.4); the answer comes as
    /// a `ReadState` in a later Ready (at a follower, after a round trip to the leader;
    /// a follower's request is lost if the leader changes, so callers retry on timeout).
    /// - Parameter context: the caller's tag, echoed in the `ReadState`.
    /// - Throws: `ReadIndexError.noLeader` when no leader is known, `.leaderNotReady`
    ///   when this leader has not yet committed an entry of its term.
    public mutating func readIndex(context: UInt64) throws(ReadIndexError) {
        try requestReadIndex(context: context)
    }

    /// Starts an election now (tests and operators), as if the election timer fired.
    /// Does nothing on a leader or on a node that is not a voter.
    public mutating func campaign() {
        guard currentRole != .leader else { return }
        startCampaign(transfer: false)
    }

    /// Replaces the log prefix up to `snapshot.metadata.index` (which MUST be applied,
    /// i.e. handed out in an advanced Ready) with `snapshot`, keeping the last
    /// `keepingEntries` entries of that prefix in memory; the shell compacts its log
    /// store up to the snapshot. A snapshot not newer than the current one is ignored.
    /// - Parameters:
    ///   - snapshot: the state machine at `metadata.index`; the leader streams its `data`
    ///     to followers whose next entry is no longer held.
    ///   - keepingEntries: entries kept below the snapshot, so a follower at most that
    ///     far behind still catches up from the log instead of the whole snapshot (etcd's
    ///     server keeps 5,000). 0 drops the whole prefix.
    public mutating func compact(to snapshot: Snapshot, keepingEntries: Int = 0) {
        let index = snapshot.metadata.index
        guard index > snapshotIndex else { return }
        precondition(index <= applied, "compact(to:) beyond the applied index")
        precondition(raftLog.term(at: index) == snapshot.metadata.term, "snapshot term does not match the log")
        precondition(membershipLog.membership(at: index) == snapshot.metadata.membership,
                     "snapshot membership MUST be the one in force at its index (use snapshotMetadata(at:))")
        latestSnapshot = snapshot
        let kept = UInt64(max(0, keepingEntries))
        let compactTo = LogIndex(index.rawValue > kept ? index.rawValue - kept : 0)
        guard compactTo > raftLog.compactedIndex else { return }
        raftLog.compact(to: compactTo)
        membershipLog.compact(to: compactTo)
    }

    /// Reports that a peer is unreachable (transport failure): the leader sends it
    /// probes rather than a pipelined stream.
    /// - Parameter peer: the unreachable member.
    public mutating func reportUnreachable(_ peer: NodeID) {
        guard currentRole == .leader, let s = progress.slot(of: peer), peer != config.id else { return }
        if progress.items[s].state == .replicate { progress.items[s].becomeProbe() }
    }

    /// Reports that `peer`'s process is gone, not merely slow: the shell saw its
    /// connection close and its port refuse a new one. A follower of that leader stops
    /// waiting out the election timeout: it forgets the leader (so it also grants the
    /// other followers' pre-votes) and campaigns after `1 + r` ticks, where `r` is its
    /// rank by id among the other voters. The ranks stagger the survivors, who all hear
    /// of the death at once, so they do not split the vote: the first one wins unless
    /// its log is behind, and then the next one does a tick later.
    ///
    /// Safe whatever the truth: campaigning early never breaks Raft's safety, and a
    /// leader that is in fact alive keeps leading, because the other followers are still
    /// in its lease and refuse the pre-vote; its next heartbeat restores the leader here.
    /// - Parameter peer: the member whose process is gone.
    public mutating func reportPeerDown(_ peer: NodeID) {
        guard currentRole == .follower, currentLeader == peer, peer != config.id else { return }
        currentLeader = nil
        let rank = membership.voters.subtracting([peer]).filter { $0 < config.id }.count
        electionElapsed = max(electionElapsed, randomizedElectionTimeout - 1 - rank)
    }

    // MARK: - Observation (for the shell's status and for the simulation's checks)

    /// This node.
    public var id: NodeID { config.id }
    /// Current role.
    public var role: Role { currentRole }
    /// Current term.
    public var term: Term { currentTerm }
    /// The leader this node knows of.
    public var leader: NodeID? { currentLeader }
    /// The vote cast in the current term, if any.
    public var vote: NodeID? { votedFor }
    /// Highest index known committed.
    public var commitIndex: LogIndex { committed }
    /// Highest index handed out for applying (in a Ready that was advanced), or
    /// installed from a snapshot.
    public var appliedIndex: LogIndex { applied }
    /// Index of the last entry in the log (stable or not).
    public var lastIndex: LogIndex { raftLog.lastIndex }
    /// Index of the last entry known durable (its Ready was advanced).
    public var stableIndex: LogIndex { raftLog.stableIndex }
    /// The index of the latest snapshot (0 when none); the log may still hold entries
    /// below it (see `compact(to:keepingEntries:)`).
    public var snapshotIndex: LogIndex { latestSnapshot?.metadata.index ?? raftLog.compactedIndex }
    /// The first index the log still holds an entry for (1 when nothing was compacted).
    public var firstIndex: LogIndex { raftLog.firstIndex }
    /// The membership in force (the latest appended membership entry).
    public var membership: Membership { membershipLog.current }
    /// The target of the leadership transfer under way, if any (leader only).
    public var transferTarget: NodeID? { leadTransferee }
    /// Bytes of entries this leader accepted and has not committed yet.
    public var uncommittedEntryBytes: Int { uncommittedBytes }
    /// The leader's replication progress per member (this node included); empty unless leader.
    public var peerProgress: [NodeID: PeerProgress] {
        var out: [NodeID: PeerProgress] = [:]
        for (k, id) in progress.ids.enumerated() {
            let p = progress.items[k]
            let state: PeerProgress.State = switch p.state {
            case .probe: .probe
            case .replicate: .replicate
            case .snapshot: .snapshot
            }
            out[id] = PeerProgress(match: p.match, next: p.next, state: state,
                                   inflightMessages: p.inflights.count, recentActive: p.recentActive,
                                   pendingSnapshot: p.state == .snapshot ? p.pendingSnapshot : .zero)
        }
        return out
    }
    /// The term of the entry at `index`, or nil if compacted away or beyond the log.
    /// - Parameter index: a log position (the snapshot index itself answers the snapshot's term).
    /// - Returns: the term, or nil.
    public func term(at index: LogIndex) -> Term? { raftLog.term(at: index) }
    /// The metadata a snapshot taken at `index` MUST carry: the entry's term and the
    /// membership in force at that index (which may differ from `membership` while a
    /// change is uncommitted). The shell uses it to build the `Snapshot` for `compact(to:)`.
    /// - Parameter index: an index the core still holds (from the snapshot index on).
    /// - Returns: the metadata, or nil when `index` is compacted away or beyond the log.
    public func snapshotMetadata(at index: LogIndex) -> SnapshotMetadata? {
        guard let term = raftLog.term(at: index) else { return nil }
        return SnapshotMetadata(index: index, term: term, membership: membershipLog.membership(at: index))
    }
    /// Entries in `range` still held by the core (not compacted), clamped to the log.
    /// - Parameter range: the indices wanted.
    /// - Returns: the entries held, in order.
    public func entries(in range: ClosedRange<LogIndex>) -> [Entry] { raftLog.entries(in: range) }

    /// The data bytes of the entries in `range` still held by the core, clamped to the log.
    /// - Parameter range: the indices wanted.
    /// - Returns: the sum of their `data` lengths.
    public func dataBytes(in range: ClosedRange<LogIndex>) -> Int { raftLog.dataBytes(in: range) }

    /// Terms and indexes at or above this are treated as garbage from a peer.
    static let absurd: UInt64 = 1 << 62

    // MARK: - Sending

    /// Queues a message for the next Ready. Answers that promise durable state (vote
    /// grants, append and snapshot acknowledgements) and every other response wait
    /// for the persist step; requests from this node go out at once.
    mutating func send(to: NodeID, term: Term? = nil, _ body: PeerMessage.Body) {
        let message = PeerMessage(from: config.id, to: to, term: term ?? currentTerm, body: body)
        switch body {
        case .preVoteResponse, .requestVoteResponse, .appendResponse, .heartbeatResponse,
             .installSnapshotResponse:
            outboxAfterPersist.append(message)
        case .preVote, .requestVote, .append, .heartbeat, .installSnapshot, .timeoutNow, .readIndex,
             .readIndexResponse:
            outbox.append(message)
        }
    }
}
