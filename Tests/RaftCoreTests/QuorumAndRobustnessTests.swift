import Testing
@testable import RaftCore

@Suite("Quorum and robustness")
struct QuorumAndRobustnessTests {
    /// The obvious definition: the largest index stored by at least a majority.
    static func naiveCommitted(_ matches: [LogIndex]) -> LogIndex {
        guard !matches.isEmpty else { return .zero }
        let quorum = matches.count / 2 + 1
        var best = LogIndex.zero
        for candidate in matches where matches.filter({ $0 >= candidate }).count >= quorum {
            best = max(best, candidate)
        }
        return best
    }

    @Test("quorum commit index matches a naive computation on seeded random inputs", arguments: 0..<20)
    func quorumReference(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        for _ in 0..<500 {
            let n = Int(rng.next(below: 8))
            let spread = rng.next(below: 2) == 0 ? 5 : 1_000_000
            let matches = (0..<n).map { _ in LogIndex(rng.next(below: UInt64(spread))) }
            #expect(QuorumCommit.committedIndex(matches) == Self.naiveCommitted(matches))
        }
    }

    @Test("inflights free in order and respect both bounds")
    func inflights() {
        var window = Inflights(capacity: 3, maxBytes: 100)
        window.add(LogIndex(2), bytes: 10)
        window.add(LogIndex(5), bytes: 10)
        window.add(LogIndex(9), bytes: 10)
        #expect(window.isFull)
        window.freeLE(LogIndex(5))
        #expect(window.count == 1 && window.bytes == 10)
        window.add(LogIndex(12), bytes: 95)
        #expect(window.isFull)
        window.freeFirstOne()
        #expect(window.count == 1 && window.bytes == 95)
        window.freeLE(LogIndex(100))
        #expect(window.count == 0 && window.bytes == 0)
    }

    @Test("step never traps on garbage from peers", arguments: 0..<10)
    func garbageDoesNotTrap(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        var c = Cluster(voters: [1, 2, 3], seed: seed)
        c.checkApplied = false // forged leaders can break safety; we only check robustness here
        c.elect(1)
        func small() -> UInt64 { rng.next(below: 4) == 0 ? rng.next() : rng.next(below: 30) }
        for round in 0..<2_000 {
            let from = NodeID(rng.next(below: 5))
            let to = NodeID(1 + rng.next(below: 3))
            let term = Term(small())
            let meta = SnapshotMetadata(index: LogIndex(small()), term: Term(small()),
                                        membership: Membership(voters: [NodeID(1), NodeID(rng.next(below: 5))]))
            let entries = (0..<rng.next(below: 4)).map { k in
                Entry(term: Term(small()), index: LogIndex(small() &+ k), kind: Entry.Kind(rawValue: UInt8(rng.next(below: 3)))!,
                      data: (0..<rng.next(below: 10)).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
            }
            let bodies: [PeerMessage.Body] = [
                .preVote(lastLogIndex: LogIndex(small()), lastLogTerm: Term(small())),
                .preVoteResponse(granted: rng.next(below: 2) == 0),
                .requestVote(lastLogIndex: LogIndex(small()), lastLogTerm: Term(small()), leadershipTransfer: rng.next(below: 2) == 0),
                .requestVoteResponse(granted: rng.next(below: 2) == 0),
                .append(prevLogIndex: LogIndex(small()), prevLogTerm: Term(small()), entries: entries, leaderCommit: LogIndex(small())),
                .appendResponse(success: rng.next(below: 2) == 0, matchIndex: LogIndex(small()), rejectHint: LogIndex(small()),
                                rejectHintTerm: Term(small())),
                .heartbeat(commit: LogIndex(small()), context: small()),
                .heartbeatResponse(context: small()),
                .installSnapshot(metadata: meta, offset: small(), chunk: [1, 2, 3], done: rng.next(below: 2) == 0),
                .installSnapshotResponse(index: LogIndex(small()), bytesReceived: small(), success: rng.next(below: 2) == 0),
                .timeoutNow,
                .readIndex(context: small()),
                .readIndexResponse(context: small(), index: LogIndex(small())),
            ]
            let body = bodies[Int(rng.next(below: UInt64(bodies.count)))]
            c.nodes[to]!.step(PeerMessage(from: from, to: to, term: term, body: body))
            if round % 7 == 0 { _ = try? c.nodes[to]!.propose([1, 2]) }
            if round % 13 == 0 { c.nodes[to]!.tick() }
            if round % 17 == 0, c.nodes[to]!.appliedIndex > c.nodes[to]!.snapshotIndex {
                c.compact(to.rawValue, data: [7])
            }
            c.stabilize()
        }
    }
}
