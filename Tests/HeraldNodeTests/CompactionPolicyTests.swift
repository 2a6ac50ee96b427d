@testable import HeraldNode
import RaftCore
import Testing

/// How much of the log the leader keeps below a snapshot.
@Suite struct CompactionPolicyTests {
    /// 100,000 entries or 1 MiB between snapshots; 5,000 kept by default, up to 200,000
    /// entries or 2 MiB for a lagging follower.
    private let policy = CompactionPolicy(entries: 100_000, bytes: 1 << 20)
    private let snapshotIndex = LogIndex(300_000)

    private func follower(match: UInt64, state: PeerProgress.State = .replicate, active: Bool = true,
                          pendingSnapshot: UInt64 = 0) -> PeerProgress {
        PeerProgress(match: LogIndex(match), next: LogIndex(match + 1), state: state, inflightMessages: 0,
                     recentActive: active, pendingSnapshot: LogIndex(pendingSnapshot))
    }

    private func keep(_ followers: [PeerProgress], logStart: UInt64 = 150_000, bytesPerEntry: Int = 8) -> Int {
        policy.entriesToKeep(below: snapshotIndex, logStart: LogIndex(logStart), followers: followers) { range in
            Int(range.upperBound.rawValue - range.lowerBound.rawValue + 1) * bytesPerEntry
        }
    }

    @Test func withFollowersCloseBehindItKeepsTheDefaultTail() {
        #expect(policy.catchUpEntries == 5_000)
        #expect(keep([]) == 5_000)
        #expect(keep([follower(match: 299_000), follower(match: 300_100)]) == 5_000)
    }

    @Test func aReplicatingFollowerFurtherBehindKeepsEverythingItStillNeeds() {
        #expect(keep([follower(match: 280_000), follower(match: 299_990)]) == 20_000)
        #expect(keep([follower(match: 280_000, state: .probe)]) == 20_000)
    }

    /// The compaction that comes while a follower installs a snapshot keeps what it
    /// needs after that snapshot.
    @Test func aFollowerBeingSentASnapshotContinuesFromThatSnapshot() {
        #expect(keep([follower(match: 10, state: .snapshot, pendingSnapshot: 270_000)]) == 30_000)
        // Silent meanwhile: a follower answers again once its install is done.
        #expect(keep([follower(match: 10, state: .snapshot, active: false, pendingSnapshot: 270_000)]) == 30_000)
        #expect(keep([follower(match: 270_000, active: false)]) == 30_000)
    }

    @Test func aFollowerThatCannotCatchUpFromTheLogGetsNoLongerTail() {
        // Behind what the log still holds.
        #expect(keep([follower(match: 280_000)], logStart: 290_000) == 5_000)
        // More than twice the entries or the bytes between two snapshots.
        #expect(keep([follower(match: 150_000)], logStart: 100_000) == 150_000)
        #expect(keep([follower(match: 99_999)], logStart: 1) == 5_000)
        #expect(keep([follower(match: 100_000)], logStart: 1) == 200_000)
        #expect(keep([follower(match: 280_000)], bytesPerEntry: 100) == 20_000)
        #expect(keep([follower(match: 280_000)], bytesPerEntry: 105) == 5_000)
    }

    @Test func membersSnapshotAtStaggeredIndexes() {
        let voters: Set<NodeID> = [NodeID(1), NodeID(2), NodeID(3)]
        #expect(HeraldNodeRuntime.snapshotStagger(of: NodeID(1), among: voters) == 0)
        #expect(HeraldNodeRuntime.snapshotStagger(of: NodeID(3), among: voters) == 2.0 / 3.0)
        let staggered = CompactionPolicy(entries: 300, bytes: 1 << 20, stagger: 2.0 / 3.0)
        staggered.restart()
        // The first snapshot after a start waits ⅔ of an interval more...
        #expect(!staggered.isDue(applied: LogIndex(499), snapshotIndex: .zero))
        #expect(staggered.isDue(applied: LogIndex(500), snapshotIndex: .zero))
        // ...and later ones follow their predecessor by one interval, keeping the offset.
        staggered.reset()
        #expect(!staggered.isDue(applied: LogIndex(799), snapshotIndex: LogIndex(500)))
        #expect(staggered.isDue(applied: LogIndex(800), snapshotIndex: LogIndex(500)))
        // The byte trigger is staggered the same way.
        staggered.restart()
        staggered.record([Entry(term: Term(1), index: LogIndex(1), data: Array(repeating: 0, count: (1 << 20) + 1))])
        #expect(!staggered.isDue(applied: LogIndex(1), snapshotIndex: .zero))
    }

    @Test func anAbandonedSnapshotIsRetriedAWholeIntervalLater() {
        let policy = CompactionPolicy(entries: 100, bytes: 1 << 20)
        policy.forceNext()
        #expect(policy.isDue(applied: LogIndex(150), snapshotIndex: .zero))
        policy.postpone(from: LogIndex(150))
        #expect(!policy.isDue(applied: LogIndex(151), snapshotIndex: .zero))
        #expect(!policy.isDue(applied: LogIndex(249), snapshotIndex: .zero))
        #expect(policy.isDue(applied: LogIndex(250), snapshotIndex: .zero))
        // A snapshot installed from the leader past that point counts from itself.
        #expect(!policy.isDue(applied: LogIndex(300), snapshotIndex: LogIndex(260)))
        policy.reset()
        #expect(policy.isDue(applied: LogIndex(100), snapshotIndex: .zero))
    }
}
