import Testing
@testable import RaftCore

/// A small seeded fault-injection run over `Cluster` (the full simulator lives in
/// `RaftSimulation`): random delivery order, loss, partitions, crash-restarts from the
/// durable store, compaction, membership changes and transfers. Checks election safety
/// (one leader per term) and that applied entries agree on every node (State Machine
/// Safety, §5.4.3) after every step.
@Suite("Randomized safety")
struct RandomizedSafetyTests {
    @Test("safety under loss, reordering, partitions and crash-restarts", arguments: 0..<24)
    func safety(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed &* 7919 &+ 1)
        let initial = Membership(voters: [NodeID(1), NodeID(2), NodeID(3)])
        var c = Cluster(voters: [])
        for id: UInt64 in 1...5 {
            c.addNode(id, restoring: RestoredState(initialMembership: initial), seed: seed) {
                $0.maxMessageBytes = 64
                $0.maxInflightMessages = 4
                $0.snapshotChunkBytes = 3
            }
        }
        var leadersByTerm: [Term: NodeID] = [:]
        var appliedByIndex: [LogIndex: Entry] = [:]
        var checkedCount: [NodeID: Int] = [:]
        var removed: Set<NodeID> = []
        var proposals: UInt8 = 0

        func check(_ c: Cluster) {
            for id in c.ids where c.nodes[id]!.role == .leader {
                let term = c.nodes[id]!.term
                if let other = leadersByTerm[term] {
                    #expect(other == id, "two leaders in \(term): \(other) and \(id), seed \(seed)")
                } else {
                    leadersByTerm[term] = id
                }
            }
            for id in c.ids {
                let applied = c.applied[id]!
                for entry in applied[checkedCount[id, default: 0]...] {
                    if let seen = appliedByIndex[entry.index] {
                        #expect(seen == entry, "\(id) applied \(entry) but \(seen) was applied elsewhere, seed \(seed)")
                    } else {
                        appliedByIndex[entry.index] = entry
                    }
                }
                checkedCount[id] = applied.count
            }
        }

        for step in 0..<3_000 {
            let roll = rng.next(below: 100)
            switch roll {
            case 0..<45:
                // Deliver one random message (reordering), dropping 10%.
                c.processReadies()
                if !c.wire.isEmpty {
                    let k = Int(rng.next(below: UInt64(c.wire.count)))
                    let message = c.wire.remove(at: k)
                    if rng.next(below: 10) != 0, c.nodes[message.to] != nil { c.nodes[message.to]!.step(message) }
                }
            case 45..<65:
                let id = NodeID(1 + rng.next(below: 5))
                c.nodes[id]!.tick()
            case 65..<80:
                if let leader = c.leaders.first {
                    proposals &+= 1
                    _ = try? c.nodes[leader]!.propose([proposals])
                }
            case 80..<83:
                // Partition: isolate one random node, or heal.
                c.isolated = rng.next(below: 2) == 0 ? [NodeID(1 + rng.next(below: 5))] : []
            case 83..<85:
                // Crash-restart from the durable store (its state machine is durable too).
                let id = NodeID(1 + rng.next(below: 5))
                c.processReadies()
                if rng.next(below: 2) == 0, let k = c.wire.firstIndex(where: { $0.to == id }) {
                    // Crash in the window the Ready order allows: after sending `messages`,
                    // before the write is durable (nothing persisted, nothing applied).
                    c.nodes[id]!.step(c.wire.remove(at: k))
                    if let ready = c.nodes[id]!.takeReady() { c.send(ready.messages) }
                }
                let store = c.stores[id]!
                let applied = c.appliedIndex[id]!
                c.wire.removeAll { $0.to == id }
                var restored = RestoredState(hardState: store.hardState, snapshot: store.snapshot, entries: store.entries,
                                             initialMembership: initial, applied: applied)
                restored.applied = applied
                let saved = c.applied[id]!
                let savedIndex = c.appliedIndex[id]!
                c.addNode(id.rawValue, restoring: restored, seed: seed &+ UInt64(step)) {
                    $0.maxMessageBytes = 64
                    $0.maxInflightMessages = 4
                    $0.snapshotChunkBytes = 3
                }
                c.applied[id] = saved
                c.appliedIndex[id] = savedIndex
            case 85..<88:
                let id = NodeID(1 + rng.next(below: 5))
                c.processReadies()
                if c.nodes[id]!.appliedIndex > c.nodes[id]!.snapshotIndex {
                    c.compact(id.rawValue, data: Array(repeating: UInt8(step & 0xFF), count: Int(rng.next(below: 8))))
                }
            case 88..<91:
                if let leader = c.leaders.first {
                    let target = NodeID(1 + rng.next(below: 5))
                    let membership = c.nodes[leader]!.membership
                    let change: MembershipChange
                    if membership.learners.contains(target) {
                        change = .promoteLearner(target)
                    } else if membership.voters.contains(target) {
                        change = .remove(target)
                    } else {
                        change = .addLearner(target)
                    }
                    if case .addLearner = change, removed.contains(target) { break }
                    if (try? c.nodes[leader]!.proposeMembershipChange(change)) != nil, case .remove = change {
                        removed.insert(target) // ids are never reused
                    }
                }
            case 91..<93:
                if let leader = c.leaders.first {
                    try? c.nodes[leader]!.transferLeadership(to: NodeID(1 + rng.next(below: 5)))
                }
            default:
                if let leader = c.leaders.first, rng.next(below: 2) == 0 {
                    try? c.nodes[leader]!.readIndex(context: UInt64(step))
                } else {
                    c.processReadies()
                }
            }
            c.processReadies()
            check(c)
        }

        // Heal and let it settle: the surviving voters elect one leader and agree.
        c.isolated = []
        for _ in 0..<200 {
            c.tick()
            check(c)
        }
        let voters = c.nodes.values.map(\.membership).max { $0.voters.count < $1.voters.count }
        _ = voters
        let leaders = c.leaders
        #expect(leaders.count >= 1, "no leader after healing, seed \(seed)")
        if leaders.isEmpty {
            for id in c.ids {
                let n = c.nodes[id]!
                print("\(id) role=\(n.role) term=\(n.term) lead=\(String(describing: n.leader)) last=\(n.lastIndex) lastTerm=\(String(describing: n.term(at: n.lastIndex))) commit=\(n.commitIndex) snap=\(n.snapshotIndex) voters=\(n.membership.voters.sorted()) learners=\(n.membership.learners.sorted()) vote=\(String(describing: n.vote)) prom=\(n.isPromotable) el=\(n.electionElapsed)/\(n.randomizedElectionTimeout) mlatest=\(n.membershipLog.latestIndex) changes=\(n.membershipLog.changes.map(\.index))")
            }
        }
        if let leader = leaders.first {
            proposals &+= 1
            let (_, index) = try c.nodes[leader]!.propose([proposals])
            c.tick(times: 5)
            for id in c.nodes[leader]!.membership.voters {
                #expect(c.nodes[id]!.commitIndex >= index, "\(id) did not commit \(index), seed \(seed)")
                if c.nodes[id]!.commitIndex < index {
                    print("leader \(leader) progress \(c.nodes[leader]!.peerProgress.sorted { $0.key < $1.key })")
                    for id in c.ids {
                        let n = c.nodes[id]!
                        print("\(id) role=\(n.role) term=\(n.term) lead=\(String(describing: n.leader)) last=\(n.lastIndex) commit=\(n.commitIndex) snap=\(n.snapshotIndex) voters=\(n.membership.voters.sorted()) learners=\(n.membership.learners.sorted()) incoming=\(String(describing: n.incomingSnapshot?.metadata.index))")
                    }
                }
            }
        }
        check(c)
        // Log Matching (§5.3): where two logs hold an entry with the same index and
        // term, they hold the same entry there and at every index before it.
        for a in c.ids {
            for b in c.ids where a < b {
                let x = c.nodes[a]!, y = c.nodes[b]!
                let lo = max(x.snapshotIndex, y.snapshotIndex).advanced(by: 1)
                let hi = min(x.lastIndex, y.lastIndex)
                guard lo <= hi else { continue }
                let xs = x.entries(in: lo...hi), ys = y.entries(in: lo...hi)
                if let k = (0..<xs.count).last(where: { xs[$0].term == ys[$0].term }) {
                    #expect(Array(xs[...k]) == Array(ys[...k]), "logs of \(a) and \(b) diverge below a matching entry, seed \(seed)")
                }
            }
        }
        // Leader Completeness (§5.4): the leader holds every entry applied anywhere.
        if let leader = c.leaders.first {
            let l = c.nodes[leader]!
            for (index, entry) in appliedByIndex where index > l.snapshotIndex {
                #expect(l.entries(in: index...index) == [entry], "leader \(leader) lacks applied \(index), seed \(seed)")
            }
        }
    }
}
