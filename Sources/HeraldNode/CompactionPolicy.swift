import RaftCore
import Synchronization

/// When the Raft loop snapshots the state and compacts its log: after `entries`
/// applied entries or `bytes` of applied entry data since the last snapshot, whichever
/// comes first. Only the Raft loop uses it; the lock just makes it `Sendable`.
public final class CompactionPolicy: Sendable {
    private struct State {
        var bytesSince = 0
        var forced = false
    }

    /// Applied entries between snapshots.
    public let entries: Int
    /// Applied entry bytes between snapshots.
    public let bytes: Int
    /// Entries the leader's log keeps in memory below each snapshot, so a follower at
    /// most that far behind (a slow disk, a short restart) catches up from the log
    /// instead of fetching the whole state.
    public let catchUpEntries: Int
    private let state = Mutex(State())

    /// Creates a policy.
    /// - Parameters:
    ///   - entries: applied entries between snapshots.
    ///   - bytes: applied entry bytes between snapshots.
    ///   - catchUpEntries: entries kept below each snapshot; by default 5 % of
    ///     `entries` (5,000 at the default 100,000, which is what etcd keeps).
    public init(entries: Int, bytes: Int = 128 << 20, catchUpEntries: Int? = nil) {
        self.entries = entries
        self.bytes = bytes
        self.catchUpEntries = catchUpEntries ?? entries / 20
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
            state.forced || applied.rawValue - snapshotIndex.rawValue >= UInt64(entries) || state.bytesSince >= bytes
        }
    }

    /// Asks for a snapshot at the next opportunity (the kept one is missing).
    func forceNext() { state.withLock { $0.forced = true } }

    /// Starts counting again after a snapshot.
    func reset() {
        state.withLock { $0 = State() }
    }
}
