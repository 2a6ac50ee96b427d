import Testing
@testable import RaftCore

@Suite("Snapshots")
struct SnapshotTests {
    @Test("a follower behind the leader's compaction gets a chunked InstallSnapshot (§7, Figure 13)")
    func chunkedSnapshotToLaggingFollower() throws {
        var c = Cluster(voters: [1, 2, 3]) { $0.snapshotChunkBytes = 4 }
        c.elect(1)
        c.isolated = [NodeID(3)]
        for k: UInt8 in 0..<10 { _ = try c[1].propose([k]) }
        c.stabilize()
        let data: [UInt8] = Array(100..<110)
        c.compact(1, data: data)
        #expect(c[1].snapshotIndex == LogIndex(11))
        #expect(c[1].entries(in: LogIndex(1)...LogIndex(11)).isEmpty)
        c.isolated = []
        c.trace = []
        c.tick([1], times: 12)
        let chunks = c.trace.filter { $0.to == NodeID(3) && $0.isSnapshotChunk }
        #expect(chunks.count == 3)
        #expect(c.installedSnapshots[NodeID(3)]?.map(\.data) == [data])
        #expect(c[3].snapshotIndex == LogIndex(11))
        #expect(c[1].peerProgress[NodeID(3)]?.state == .replicate)
        // Replication continues from the snapshot.
        _ = try c[1].propose([99])
        c.tick([1], times: 2)
        #expect(c[3].commitIndex == LogIndex(12))
        #expect(c.applied[NodeID(3)]!.map(\.index).last == LogIndex(12))
        #expect(c.stores[NodeID(3)]!.entries.map(\.index) == [LogIndex(12)])
    }

    @Test("entries kept below the snapshot catch up a follower a little behind; one further behind gets the snapshot",
          arguments: [(kept: 9, sendsSnapshot: false), (kept: 8, sendsSnapshot: true)])
    func keptEntriesCatchUpAFollowerALittleBehind(kept: Int, sendsSnapshot: Bool) throws {
        var c = Cluster(voters: [1, 2, 3])
        c.elect(1)
        _ = try c[1].propose([0])
        c.stabilize()
        #expect(c[3].commitIndex == LogIndex(2))
        c.isolated = [NodeID(3)]
        for k: UInt8 in 1...9 { _ = try c[1].propose([k]) }
        c.stabilize()
        // Node 3 needs 3...11; the tail keeps `kept` entries up to the snapshot at 11.
        c.compact(1, data: [7], keepingEntries: kept)
        #expect(c[1].snapshotIndex == LogIndex(11))
        #expect(c[1].firstIndex == LogIndex(UInt64(12 - kept)))
        c.isolated = []
        c.trace = []
        c.tick([1], times: 12)
        #expect(c.trace.contains { $0.to == NodeID(3) && $0.isSnapshotChunk } == sendsSnapshot)
        #expect((c.installedSnapshots[NodeID(3)] ?? []).map(\.data) == (sendsSnapshot ? [[7]] : []))
        #expect(c[3].commitIndex == LogIndex(11))
        #expect(c[1].peerProgress[NodeID(3)]?.state == .replicate)
        if !sendsSnapshot {
            #expect(c.applied[NodeID(3)]!.map(\.index) == (1...11).map { LogIndex(UInt64($0)) })
        }
    }

    @Test("a follower that took a snapshot the leader has since replaced goes on from the entries kept after it")
    func olderSnapshotTakenThenCaughtUpFromTheLog() throws {
        var c = Cluster(voters: [1, 2, 3])
        c.elect(1)
        c.isolated = [NodeID(3)]
        for k: UInt8 in 0..<5 { _ = try c[1].propose([k]) }
        c.stabilize()
        c.compact(1, data: [1])
        let first = c[1].snapshotIndex
        // Node 3 takes that snapshot; its answers are held back while the leader goes on
        // and compacts again, keeping the entries after the first snapshot.
        c.isolated = []
        c.drop = { message in
            if case .installSnapshotResponse = message.body { return message.from == NodeID(3) }
            return false
        }
        for _ in 0..<12 where c.installedSnapshots[NodeID(3)] == nil { c.tick([1]) }
        #expect(c.installedSnapshots[NodeID(3)]?.map(\.data) == [[1]])
        #expect(c[1].peerProgress[NodeID(3)]?.state == .snapshot)
        c.drop = { message in message.from == NodeID(3) }
        for k: UInt8 in 5..<10 { _ = try c[1].propose([k]) }
        c.stabilize()
        c.compact(1, data: [2], keepingEntries: 5)
        #expect(c[1].snapshotIndex > first)
        #expect(c[1].firstIndex == first.advanced(by: 1))
        c.drop = { _ in false }
        c.trace = []
        c.wire.append(PeerMessage(from: NodeID(3), to: NodeID(1), term: c[1].term,
                                  body: .installSnapshotResponse(index: first, bytesReceived: 1, success: true)))
        c.tick([1], times: 4)
        #expect(!c.trace.contains { $0.to == NodeID(3) && $0.isSnapshotChunk })
        #expect(c.installedSnapshots[NodeID(3)]?.map(\.data) == [[1]])
        #expect(c[3].commitIndex == c[1].commitIndex)
        #expect(c[1].peerProgress[NodeID(3)]?.state == .replicate)
    }

    @Test("a follower rejects an out-of-order chunk and reports what it holds")
    func outOfOrderChunk() {
        var core = RaftCore(config: RaftConfig(id: NodeID(2)),
                            restoring: RestoredState(initialMembership: Membership(voters: [NodeID(1), NodeID(2)])),
                            seed: 1)
        let meta = SnapshotMetadata(index: LogIndex(5), term: Term(1), membership: Membership(voters: [NodeID(1), NodeID(2)]))
        func chunk(_ offset: UInt64, _ bytes: [UInt8], done: Bool) -> PeerMessage {
            PeerMessage(from: NodeID(1), to: NodeID(2), term: Term(1),
                        body: .installSnapshot(metadata: meta, offset: offset, chunk: bytes, done: done))
        }
        core.step(chunk(0, [1, 2], done: false))
        core.step(chunk(4, [5, 6], done: true))
        let ready = core.takeReady()!
        #expect(ready.snapshot == nil)
        #expect(ready.messagesAfterPersist.last?.body == .installSnapshotResponse(index: LogIndex(5), bytesReceived: 2, success: false))
        core.advance(ready)
        core.step(chunk(2, [3, 4], done: false))
        core.step(chunk(4, [5, 6], done: true))
        let done = core.takeReady()!
        #expect(done.snapshot?.data == [1, 2, 3, 4, 5, 6])
        #expect(done.hardState?.commit == LogIndex(5))
        #expect(core.lastIndex == LogIndex(5))
    }

    @Test("a snapshot whose last entry matches our log keeps the suffix after it (§7)")
    func snapshotKeepsMatchingSuffix() {
        let membership = Membership(voters: [NodeID(1), NodeID(2)])
        var core = RaftCore(config: RaftConfig(id: NodeID(2)),
                            restoring: RestoredState(hardState: HardState(term: Term(1)), entries: makeLog([1, 1, 1, 1]),
                                                     initialMembership: membership), seed: 1)
        let meta = SnapshotMetadata(index: LogIndex(2), term: Term(1), membership: membership)
        core.step(PeerMessage(from: NodeID(1), to: NodeID(2), term: Term(1),
                              body: .installSnapshot(metadata: meta, offset: 0, chunk: [1], done: true)))
        #expect(core.lastIndex == LogIndex(4))
        #expect(core.commitIndex == LogIndex(2))
        #expect(core.takeReady()?.snapshot == nil)
    }
}
