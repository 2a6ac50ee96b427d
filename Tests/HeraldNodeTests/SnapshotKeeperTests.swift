import Foundation
@testable import HeraldNode
import RaftCore
import StateStore
import Testing

/// The keeper keeps the newest snapshots, and an older one while a follower fetches it.
@Suite struct SnapshotKeeperTests {
    private static let membership = Membership(voters: [NodeID(1), NodeID(2), NodeID(3)])

    /// Seals a snapshot of `handle` at `index` into `keeper`.
    private func seal(_ keeper: SnapshotKeeper, _ handle: StateStoreHandle, at index: UInt64) throws {
        let metadata = SnapshotMetadata(index: LogIndex(index), term: Term(1), membership: Self.membership)
        try handle.withStore { store in
            var batch = WriteBatch()
            batch.put([UInt8(truncatingIfNeeded: index)], for: Array("q/\(index)".utf8), in: "queue")
            try store.apply(batch: batch, appliedIndex: LogIndex(index))
        }
        let partial = try keeper.checkpoint(handle, at: metadata)
        _ = try keeper.seal(partial, metadata: metadata)
    }

    @Test("a snapshot being fetched outlives newer ones until its lease runs out")
    func snapshotBeingFetchedIsKept() throws {
        let directory = try TemporaryDirectory()
        let handle = StateStoreHandle(try openStore(directory.file("state")))
        let leased = try SnapshotKeeper(directory: directory.file("leased"), keep: 2, servingLease: .seconds(3600))
        let expired = try SnapshotKeeper(directory: directory.file("expired"), keep: 2, servingLease: .zero)
        for keeper in [leased, expired] {
            try seal(keeper, handle, at: 10)
            keeper.noteServed(index: LogIndex(10), term: Term(1))
            try seal(keeper, handle, at: 20)
            try seal(keeper, handle, at: 30)
        }
        #expect(leased.sealed().map(\.index.rawValue) == [30, 20, 10])
        #expect(leased.find(index: LogIndex(10), term: Term(1)) != nil)
        // Without a served part (or once the lease is over) only the newest two stay.
        #expect(expired.sealed().map(\.index.rawValue) == [30, 20])
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.file("expired")).sorted() == ["20-1", "30-1"])
        // A deletion a crash cut short leaves a renamed directory, which the next start removes.
        try FileManager.default.createDirectory(atPath: directory.file("expired/10-1.deleting"), withIntermediateDirectories: false)
        _ = try SnapshotKeeper(directory: directory.file("expired"), keep: 2, servingLease: .zero)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.file("expired")).sorted() == ["20-1", "30-1"])
        // An unleased old snapshot still goes at once.
        try seal(leased, handle, at: 40)
        #expect(leased.sealed().map(\.index.rawValue) == [40, 30, 10])
    }

    @Test("a snapshot older than the newest kept one is reported replaced; a newer one not kept (yet)")
    func absenceIsClassified() throws {
        let directory = try TemporaryDirectory()
        let handle = StateStoreHandle(try openStore(directory.file("state")))
        let keeper = try SnapshotKeeper(directory: directory.file("snapshots"), keep: 2)
        #expect(keeper.absence(of: LogIndex(5)) == .notKept)
        try seal(keeper, handle, at: 10)
        try seal(keeper, handle, at: 20)
        try seal(keeper, handle, at: 30)
        #expect(keeper.find(index: LogIndex(10), term: Term(1)) == nil)
        #expect(keeper.absence(of: LogIndex(10)) == .replaced)
        #expect(keeper.absence(of: LogIndex(25)) == .replaced)
        #expect(keeper.absence(of: LogIndex(31)) == .notKept)
    }
}
