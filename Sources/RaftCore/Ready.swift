/// Everything the core asks its shell to do, taken with `RaftCore.takeReady()`.
///
/// The shell MUST handle one Ready in this order, then call `advance(_:)`:
/// 1. Send `messages` at once; they are safe before anything is durable. (This is
///    how a leader sends AppendEntries to followers while its own write is in flight.)
/// 2. If `snapshot` is set, install it into the state machine and the log store.
/// 3. Persist `entries` (a suffix starting at `entries[0].index` replaces any stored
///    entries at or after it) and, if set, `hardState`, durably (fsync).
/// 4. Only then send `messagesAfterPersist` (votes, append acknowledgements: they
///    promise that state is durable).
/// 5. Apply `committedEntries` in order to the state machine; answer `readStates`
///    once the state machine has applied at least `ReadState.index`. This step may
///    also come before or alongside steps 3 and 4: committed entries are durable
///    already (see the rules below).
/// 6. Call `advance(_:)` with this Ready: the core then counts the leader's own
///    entries toward commit (a leader counts itself only once its write is durable).
///
/// Rules the core follows (so the shell can rely on them):
/// - `messages` hold requests (votes, pre-votes, appends, heartbeats, snapshot chunks,
///   TimeoutNow, ReadIndex and its answers); `messagesAfterPersist` hold every answer
///   to a peer's request (vote grants and refusals, append, heartbeat and snapshot
///   acknowledgements). A Ready with nothing to persist may send both at once.
/// - `committedEntries` only ever contain entries that were durable *before* this
///   Ready was taken (their Ready was advanced): a node never applies an entry it
///   might lose in a crash, and never one twice. So a committed entry is handed out at
///   the earliest in the Ready after the one that persisted it.
/// - Advance Readies in the order they were taken. `step`, `tick` and `propose` may be
///   called between `takeReady()` and `advance(_:)`.
/// - After a restart, committed entries are handed out from
///   `max(RestoredState.applied, snapshot index) + 1`.
public struct Ready: Sendable {
    /// Changes to the volatile state worth reporting (role, leader), if any.
    public var softState: SoftState?
    /// Hard state to persist, when it changed.
    public var hardState: HardState?
    /// A snapshot received from the leader, to install before `entries`.
    public var snapshot: Snapshot?
    /// Entries to append to stable storage.
    public var entries: [Entry]
    /// Messages that may be sent before `entries` and `hardState` are durable.
    public var messages: [PeerMessage]
    /// Messages that MUST NOT be sent before `entries` and `hardState` are durable.
    public var messagesAfterPersist: [PeerMessage]
    /// Committed entries to apply, in log order, never applied before.
    public var committedEntries: [Entry]
    /// Linearizable reads that became safe.
    public var readStates: [ReadState]

    /// Creates a Ready. The core builds these; tests may too.
    public init(
        softState: SoftState? = nil, hardState: HardState? = nil, snapshot: Snapshot? = nil,
        entries: [Entry] = [], messages: [PeerMessage] = [], messagesAfterPersist: [PeerMessage] = [],
        committedEntries: [Entry] = [], readStates: [ReadState] = []
    ) {
        self.softState = softState
        self.hardState = hardState
        self.snapshot = snapshot
        self.entries = entries
        self.messages = messages
        self.messagesAfterPersist = messagesAfterPersist
        self.committedEntries = committedEntries
        self.readStates = readStates
    }
}

/// What a node believes about leadership right now; never persisted.
public struct SoftState: Hashable, Sendable {
    /// This node's role.
    public var role: Role
    /// The leader this node follows, if known.
    public var leader: NodeID?

    /// Creates a soft state.
    public init(role: Role, leader: NodeID?) {
        self.role = role
        self.leader = leader
    }
}

/// The role of a node.
public enum Role: String, Hashable, Sendable {
    /// Follows a leader (voters and learners alike).
    case follower
    /// Asking for pre-votes, with no change of term yet.
    case preCandidate
    /// Asking for votes in a new term.
    case candidate
    /// Accepts proposals and replicates them.
    case leader
}

/// A linearizable read made safe: once the state machine has applied `index`,
/// reading it answers the request tagged `context`.
public struct ReadState: Hashable, Sendable {
    /// The commit index the read must wait for.
    public var index: LogIndex
    /// The caller's tag from `RaftCore.readIndex(context:)`.
    public var context: UInt64

    /// Creates a read state.
    public init(index: LogIndex, context: UInt64) {
        self.index = index
        self.context = context
    }
}
