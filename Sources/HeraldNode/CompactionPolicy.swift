import RaftCore
import Synchronization

/// When the Raft loop snapshots the state and compacts its log: after `entries`
/// applied entries or `bytes` of applied entry data since the last snapshot, whichever
/// comes first (the first snapshot after a start `stagger` of that later), and how much
/// log the leader keeps below it. Only the Raft loop uses it; the lock just makes it
/// `Sendable`.
public final class CompactionPolicy: Sendable {
    private struct State {
        var bytesSince = 0
        var forced = false
        /// After a snapshot was abandoned, the applied index the next interval counts from.
        var postponedFrom: LogIndex?
        /// Whether the next snapshot is this node's first since it started: it comes
        /// `stagger` of an interval later.
        var first = false
    }

    /// Applied entries between snapshots.
    public let entries: Int
    /// Applied entry bytes between snapshots.
    public let bytes: Int
    /// Entries the leader's log keeps in memory below each snapshot, so a follower at
    /// most that far behind (a slow disk, a short restart) catches up from the log
    /// instead of fetching the whole state.
    public let catchUpEntries: Int
    /// The most entries kept below a snapshot for a follower that is further behind
    /// than `catchUpEntries` but still catching up (one installing a snapshot):
    /// `2 × entries`. With `laggingFollowerBytes` they bound the memory the kept log
    /// takes; a follower installing the previous snapshot needs about one interval
    /// between snapshots, so one interval would not do.
    public var laggingFollowerEntries: Int { 2 * entries }
    /// The most entry data kept below a snapshot for a lagging follower: `2 × bytes`.
    public var laggingFollowerBytes: Int { 2 * bytes }
    /// The fraction of an interval by which the first snapshot after a start comes later.
    public let stagger: Double
    private let state = Mutex(State())

    /// Creates a policy.
    /// - Parameters:
    ///   - entries: applied entries between snapshots.
    ///   - bytes: applied entry bytes between snapshots.
    ///   - catchUpEntries: entries kept below each snapshot; by default 5 % of
    ///     `entries` (5,000 at the default 100,000, which is what etcd keeps).
    ///   - stagger: the fraction of an interval (0 up to 1) by which this node's first
    ///     snapshot after it starts comes later, so that members do not all snapshot at
    ///     the same index (their flushes and checkpoints would come at the same moment);
    ///     later snapshots follow their predecessor by one interval, so the offset stays.
    public init(entries: Int, bytes: Int = 128 << 20, catchUpEntries: Int? = nil, stagger: Double = 0) {
        self.entries = entries
        self.bytes = bytes
        self.catchUpEntries = catchUpEntries ?? entries / 20
        self.stagger = min(max(stagger, 0), 1)
    }

    /// Counts entries about to be applied.
    func record(_ committed: [Entry]) {
        let size = committed.reduce(0) { $0 + $1.data.count }
        state.withLock { $0.bytesSince += size }
    }

    /// Whether to snapshot now.
    func isDue(applied: LogIndex, snapshotIndex: LogIndex) -> Bool {
        guard applied > snapshotIndex else { return false }
        return state.withLock { state in
            let scale = state.first ? 1 + stagger : 1
            let base = max(snapshotIndex, state.postponedFrom ?? snapshotIndex)
            let since = applied > base ? applied.rawValue - base.rawValue : 0
            return state.forced || Double(since) >= Double(entries) * scale || Double(state.bytesSince) >= Double(bytes) * scale
        }
    }

    /// Puts the next snapshot off by a whole interval from `applied` (one that could not
    /// be sealed): retried at once, a failing seal would flush and checkpoint the store
    /// over and over.
    func postpone(from applied: LogIndex) {
        state.withLock { state in
            state.bytesSince = 0
            state.forced = false
            state.postponedFrom = applied
        }
    }

    /// Asks for a snapshot at the next opportunity (the kept one is missing).
    func forceNext() { state.withLock { $0.forced = true } }

    /// How many entries to keep below a snapshot at `snapshotIndex`: `catchUpEntries`,
    /// or down to the slowest follower when that takes at most `laggingFollowerEntries`
    /// entries and `laggingFollowerBytes` of entry data. A follower being sent a
    /// snapshot counts from that snapshot's index.
    ///
    /// Silent followers count too: a follower installing a snapshot fetches the state
    /// with its Raft loop stopped, for seconds, and is behind by that time when it
    /// answers again. Without the longer tail the compactions meanwhile left it behind
    /// the log, and it fetched the whole state again (measured: five or six installs
    /// in a row after one 35 s pause at 5,000 msg/s of 10 KiB). A follower that died
    /// instead falls out of the budget within two snapshot intervals.
    /// - Parameters:
    ///   - snapshotIndex: the new snapshot's index.
    ///   - logStart: the first index still in the log; a follower behind it needs a
    ///     snapshot whatever is kept.
    ///   - followers: the leader's view of the other members; empty when not leader.
    ///   - bytesBetween: the entry data in a range of the log (the kept range).
    /// - Returns: entries to keep below the snapshot.
    func entriesToKeep(below snapshotIndex: LogIndex, logStart: LogIndex, followers: [PeerProgress],
                       bytesBetween: (ClosedRange<LogIndex>) -> Int) -> Int {
        let slowest = followers
            .map { $0.state == .snapshot ? $0.pendingSnapshot : $0.match }
            .filter { $0 < snapshotIndex && $0.rawValue + 1 >= logStart.rawValue }
            .min()
        guard let slowest else { return catchUpEntries }
        let needed = Int(snapshotIndex.rawValue - slowest.rawValue)
        guard needed > catchUpEntries, needed <= laggingFollowerEntries,
              bytesBetween(LogIndex(slowest.rawValue + 1)...snapshotIndex) <= laggingFollowerBytes
        else { return catchUpEntries }
        return needed
    }

    /// Starts counting again after a snapshot.
    func reset() {
        state.withLock { $0 = State() }
    }

    /// Starts counting for the first snapshot since the node (re)built its Raft state.
    func restart() {
        state.withLock { $0 = State(first: true) }
    }
}
