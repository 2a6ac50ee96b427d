@testable import RaftCore

/// A node's durable store as the shell would keep it: what the core's Readies asked
/// to persist, in order.
struct Store {
    var hardState = HardState()
    var snapshot: Snapshot?
    var entries: [Entry] = []

    mutating func apply(_ ready: Ready) {
        if let snapshot = ready.snapshot {
            self.snapshot = snapshot
            entries.removeAll()
        }
        if let first = ready.entries.first {
            // A suffix starting at first.index replaces what we hold from there on.
            entries.removeAll { $0.index >= first.index }
            entries.append(contentsOf: ready.entries)
        }
        if let hardState = ready.hardState { self.hardState = hardState }
    }

    func entry(at index: LogIndex) -> Entry? { entries.first { $0.index == index } }
}

/// A tiny in-test network of cores. Each Ready is handled in the persistence order
/// `Ready` prescribes: `messages` leave first, the store persists, then
/// `messagesAfterPersist` leave, committed entries are applied, and the core advances.
struct Cluster {
    var nodes: [NodeID: RaftCore] = [:]
    var stores: [NodeID: Store] = [:]
    var applied: [NodeID: [Entry]] = [:]
    /// The last index each node applied (entries or snapshot).
    var appliedIndex: [NodeID: LogIndex] = [:]
    var readStates: [NodeID: [ReadState]] = [:]
    var installedSnapshots: [NodeID: [Snapshot]] = [:]
    /// Nodes cut off from everyone.
    var isolated: Set<NodeID> = []
    /// Extra drop rule: return true to drop.
    var drop: (PeerMessage) -> Bool = { _ in false }
    /// Every message handed to the network (delivered or not).
    var trace: [PeerMessage] = []
    /// Messages on the wire.
    var wire: [PeerMessage] = []
    /// Check that applied entries are exactly the persisted log, in order, without gaps.
    var checkApplied = true

    init(voters: [UInt64], learners: [UInt64] = [], seed: UInt64 = 1,
         configure: (inout RaftConfig) -> Void = { _ in }) {
        let membership = Membership(voters: Set(voters.map { NodeID($0) }), learners: Set(learners.map { NodeID($0) }))
        for id in voters + learners {
            addNode(id, restoring: RestoredState(initialMembership: membership), seed: seed, configure: configure)
        }
    }

    mutating func addNode(_ raw: UInt64, restoring state: RestoredState, seed: UInt64 = 1,
                          configure: (inout RaftConfig) -> Void = { _ in }) {
        let id = NodeID(raw)
        var config = RaftConfig(id: id)
        configure(&config)
        nodes[id] = RaftCore(config: config, restoring: state, seed: seed &+ raw)
        stores[id] = Store(hardState: state.hardState, snapshot: state.snapshot, entries: state.entries)
        applied[id] = []
        appliedIndex[id] = max(state.snapshot?.metadata.index ?? .zero, state.applied)
    }

    subscript(raw: UInt64) -> RaftCore {
        get { nodes[NodeID(raw)]! }
        set { nodes[NodeID(raw)] = newValue }
    }

    var ids: [NodeID] { nodes.keys.sorted() }

    /// Handles every pending Ready of every node.
    mutating func processReadies() {
        for id in ids {
            while let ready = nodes[id]!.takeReady() {
                handle(ready, at: id)
            }
        }
    }

    mutating func handle(_ ready: Ready, at id: NodeID) {
        send(ready.messages)
        if let snapshot = ready.snapshot {
            installedSnapshots[id, default: []].append(snapshot)
            appliedIndex[id] = snapshot.metadata.index
        }
        stores[id]!.apply(ready)
        send(ready.messagesAfterPersist)
        if checkApplied {
            for entry in ready.committedEntries {
                let expected = appliedIndex[id]!.advanced(by: 1)
                appliedIndex[id] = entry.index
                precondition(entry.index == expected, "\(id) applied \(entry.index), expected \(expected)")
                precondition(stores[id]!.entry(at: entry.index) == entry, "\(id) applied an entry it did not persist")
            }
        }
        applied[id]!.append(contentsOf: ready.committedEntries)
        readStates[id, default: []].append(contentsOf: ready.readStates)
        nodes[id]!.advance(ready)
    }

    mutating func send(_ messages: [PeerMessage]) {
        for message in messages {
            trace.append(message)
            if isolated.contains(message.from) || isolated.contains(message.to) || drop(message) { continue }
            wire.append(message)
        }
    }

    /// Delivers everything on the wire (in send order).
    /// - Returns: whether anything was delivered.
    @discardableResult
    mutating func deliver() -> Bool {
        let batch = wire
        wire = []
        for message in batch where nodes[message.to] != nil {
            nodes[message.to]!.step(message)
        }
        return !batch.isEmpty
    }

    /// Runs Readies and deliveries until the network is quiet.
    ///
    /// A leader announces a commit index that moved without new entries only on its next
    /// tick (heartbeat or `announceCommit()`); with `announcingCommit` the quiet network
    /// gets that announcement without the tick (so election timers do not move), as it
    /// would within one tick in a running node.
    mutating func stabilize(maxRounds: Int = 10_000, announcingCommit: Bool = true) {
        for _ in 0..<maxRounds {
            processReadies()
            if deliver() { continue }
            guard announcingCommit else { return }
            for id in leaders { nodes[id]!.announceCommit() }
            processReadies()
            if !deliver() { return }
        }
        preconditionFailure("cluster did not stabilize")
    }

    /// Ticks the given nodes (all when nil) `times` times, stabilizing after each tick.
    mutating func tick(_ which: [UInt64]? = nil, times: Int = 1) {
        for _ in 0..<times {
            for id in which.map({ $0.map { NodeID($0) } }) ?? ids { nodes[id]!.tick() }
            stabilize()
        }
    }

    /// Campaigns at `raw` and stabilizes.
    mutating func elect(_ raw: UInt64) {
        self[raw].campaign()
        stabilize()
    }

    var leaders: [NodeID] { ids.filter { nodes[$0]!.role == .leader } }

    /// Compacts node `raw` at its applied index with `data` as the snapshot's bytes,
    /// keeping `keepingEntries` entries below it in memory.
    mutating func compact(_ raw: UInt64, data: [UInt8], keepingEntries: Int = 0) {
        let core = self[raw]
        let index = core.appliedIndex
        let snapshot = Snapshot(metadata: core.snapshotMetadata(at: index)!, data: data)
        self[raw].compact(to: snapshot, keepingEntries: keepingEntries)
        stores[NodeID(raw)]!.snapshot = snapshot
        stores[NodeID(raw)]!.entries.removeAll { $0.index <= index }
    }

    /// The terms of node `raw`'s log, index 1 first (compacted entries excluded).
    func logTerms(_ raw: UInt64) -> [UInt64] {
        let core = self[raw]
        guard core.lastIndex > .zero else { return [] }
        return core.entries(in: LogIndex(1)...core.lastIndex).map(\.term.rawValue)
    }
}

/// Entries with the given terms, index 1 first.
func makeLog(_ terms: [UInt64]) -> [Entry] {
    terms.enumerated().map { Entry(term: Term($0.element), index: LogIndex(UInt64($0.offset + 1)), data: [UInt8($0.offset & 0xFF)]) }
}

extension PeerMessage {
    var isRejectedAppend: Bool {
        if case .appendResponse(success: false, _, _, _) = body { return true }
        return false
    }
    var appendEntryCount: Int? {
        if case .append(_, _, let entries, _) = body { return entries.count }
        return nil
    }
    var isSnapshotChunk: Bool {
        if case .installSnapshot = body { return true }
        return false
    }
}
