public import RaftCore

/// Checks Raft's safety properties against what a run shows, one observation at a time.
///
/// It knows nothing of the simulation: feed it observations (a leader seen, entries
/// appended, an entry applied, a commit index, a restart, an acknowledged proposal)
/// from a simulation, a scenario test or a hand-written history, and each `observe…`
/// call throws the first `InvariantViolation` it finds. What it checks:
///
/// - election safety: at most one leader per term, over the whole run, and no node
///   grants two candidates its vote in one term (even across a crash);
/// - log matching: an (index, term) pair always names the same entry with the same
///   predecessor term, so two logs that share it share the prefix (checked on every
///   append, and on whole logs with `checkLogMatching(_:)`);
/// - leader completeness: every entry in the committed history is in the log of each
///   leader elected afterwards;
/// - state-machine safety: every node applies a prefix of one committed history, in
///   order, and a snapshot it installs matches that history;
/// - commit index monotonic: per node, across its lifetime and across restarts (never
///   below the commit it persisted);
/// - no acknowledged proposal lost: each acknowledged command is in the history, and in
///   the final committed log, at the index it was acknowledged at.
public struct InvariantChecker: Sendable {
    private struct IndexTerm: Hashable {
        var index: LogIndex
        var term: Term
    }

    private struct AppendedRecord {
        var kind: Entry.Kind
        var data: [UInt8]
        var precedingTerm: Term?
        var firstSeenAt: NodeID
    }

    private struct Acknowledgement: Hashable {
        var command: [UInt8]
        var index: LogIndex
        var term: Term
    }

    /// The committed history as applied somewhere: entry `i` sits at `i - 1`.
    public private(set) var committedHistory: [Entry] = []
    /// Digest of the applied sequence through each index (`[0]` is the empty sequence).
    private var historyDigests: [StableDigest] = [StableDigest()]
    private var leaderByTerm: [Term: NodeID] = [:]
    private struct VoterTerm: Hashable {
        var voter: NodeID
        var term: Term
    }

    private var votes: [VoterTerm: NodeID] = [:]
    private var appended: [IndexTerm: AppendedRecord] = [:]
    private var stateMachines: [NodeID: AppliedStateMachine] = [:]
    private var commitIndex: [NodeID: LogIndex] = [:]
    private var persistedCommit: [NodeID: LogIndex] = [:]
    private var acknowledgements: [Acknowledgement] = []

    /// Creates a checker that has seen nothing.
    public init() {}

    /// How many proposals were acknowledged.
    public var acknowledgedCount: Int { acknowledgements.count }

    /// The leaders seen, by term.
    public var leaders: [Term: NodeID] { leaderByTerm }

    // MARK: - Election safety and leader completeness

    /// Observes `node` acting as leader in `term`, with its log at that moment.
    /// - Parameters:
    ///   - node: the leader.
    ///   - term: its term.
    ///   - log: its log; checked against the committed history the first time the
    ///     leader is seen in `term`.
    /// - Throws: `.electionSafety` if another node led `term`; `.leaderCompleteness`
    ///   if the log lacks a committed entry.
    public mutating func observeLeader(_ node: NodeID, term: Term, log: NodeLog) throws(InvariantViolation) {
        if let known = leaderByTerm[term] {
            if known != node { throw .electionSafety(term: term, leaders: [known, node].sorted()) }
            return
        }
        leaderByTerm[term] = node
        try checkLeaderCompleteness(node, term: term, log: log)
    }

    /// Whether `node` was already seen leading `term` (so its log need not be fetched again).
    /// - Returns: true when `observeLeader` has nothing new to check.
    public func hasSeenLeader(_ node: NodeID, term: Term) -> Bool {
        leaderByTerm[term] == node
    }

    private func checkLeaderCompleteness(_ node: NodeID, term: Term, log: NodeLog) throws(InvariantViolation) {
        let committedCount = UInt64(committedHistory.count)
        guard committedCount > 0 else { return }
        if log.lastIndex.rawValue < committedCount {
            throw .leaderCompleteness(leader: node, term: term, index: LogIndex(committedCount),
                                      detail: "log ends at \(log.lastIndex)")
        }
        if log.snapshotIndex.rawValue > 0, log.snapshotIndex.rawValue <= committedCount {
            let expected = committedHistory[Int(log.snapshotIndex.rawValue) - 1].term
            if expected != log.snapshotTerm {
                throw .leaderCompleteness(leader: node, term: term, index: log.snapshotIndex,
                                          detail: "snapshot term \(log.snapshotTerm), committed \(expected)")
            }
        }
        var index = log.snapshotIndex.advanced(by: 1)
        while index.rawValue <= committedCount {
            let committed = committedHistory[Int(index.rawValue) - 1]
            guard let held = log.entry(at: index) else {
                throw .leaderCompleteness(leader: node, term: term, index: index, detail: "entry missing")
            }
            if held != committed {
                throw .leaderCompleteness(leader: node, term: term, index: index,
                                          detail: "holds \(held.term) \(held.kind), committed \(committed.term) \(committed.kind)")
            }
            index = index.advanced(by: 1)
        }
    }

    /// Observes `voter` granting its vote to `candidate` in `term` (a granted
    /// RequestVote response leaving the voter; pre-votes do not count).
    /// - Throws: `.doubleVote` if it granted another candidate the same term before,
    ///   in this life or an earlier one.
    public mutating func observeVoteGranted(_ voter: NodeID, term: Term, candidate: NodeID) throws(InvariantViolation) {
        let key = VoterTerm(voter: voter, term: term)
        if let earlier = votes[key], earlier != candidate {
            throw .doubleVote(voter: voter, term: term, candidates: [earlier, candidate].sorted())
        }
        votes[key] = candidate
    }

    // MARK: - Log matching

    /// Observes entries `node` appended to its log (a Ready's `entries`).
    /// - Parameters:
    ///   - node: the node.
    ///   - entries: contiguous entries.
    ///   - precedingTerm: the term of the entry just before `entries[0]` in that log,
    ///     or nil when unknown (compacted).
    /// - Throws: `.logMatching` if an (index, term) pair was seen before with other
    ///   content or another predecessor term.
    public mutating func observeAppended(_ node: NodeID, entries: [Entry], precedingTerm: Term?) throws(InvariantViolation) {
        var previousTerm = precedingTerm
        for entry in entries {
            let key = IndexTerm(index: entry.index, term: entry.term)
            if let known = appended[key] {
                if known.kind != entry.kind || known.data != entry.data {
                    throw .logMatching(index: entry.index, term: entry.term,
                                       detail: "\(node) holds other content than \(known.firstSeenAt)")
                }
                if let knownPrevious = known.precedingTerm, let previousTerm, knownPrevious != previousTerm {
                    throw .logMatching(index: entry.index, term: entry.term,
                                       detail: "\(node) has \(previousTerm) before it, \(known.firstSeenAt) has \(knownPrevious)")
                }
                if known.precedingTerm == nil, let previousTerm { appended[key]?.precedingTerm = previousTerm }
            } else {
                appended[key] = AppendedRecord(kind: entry.kind, data: entry.data, precedingTerm: previousTerm,
                                               firstSeenAt: node)
            }
            previousTerm = entry.term
        }
    }

    /// Compares whole logs pairwise: wherever two logs hold an entry with the same
    /// index and term, they MUST hold identical entries at every earlier index both hold.
    /// - Parameter logs: the logs, by node.
    /// - Throws: `.logMatching` naming the first difference found.
    public static func checkLogMatching(_ logs: [NodeID: NodeLog]) throws(InvariantViolation) {
        let nodes = logs.keys.sorted()
        for (position, first) in nodes.enumerated() {
            for second in nodes[(position + 1)...] {
                try checkLogMatching(first, logs[first]!, second, logs[second]!)
            }
        }
    }

    private static func checkLogMatching(_ leftNode: NodeID, _ left: NodeLog,
                                         _ rightNode: NodeID, _ right: NodeLog) throws(InvariantViolation) {
        let low = max(left.snapshotIndex, right.snapshotIndex)
        var index = min(left.lastIndex, right.lastIndex)
        // Find the highest index both hold with the same term ...
        while index > low, left.term(at: index) != right.term(at: index) {
            index = LogIndex(index.rawValue - 1)
        }
        guard index > low, let matchTerm = left.term(at: index) else { return }
        // ... then everything both hold before it must be identical.
        var earlier = index
        while earlier > low {
            let leftEntry = left.entry(at: earlier)
            let rightEntry = right.entry(at: earlier)
            if let leftEntry, let rightEntry, leftEntry != rightEntry {
                throw .logMatching(index: index, term: matchTerm,
                                   detail: "\(leftNode) and \(rightNode) agree here but differ at \(earlier)")
            }
            earlier = LogIndex(earlier.rawValue - 1)
        }
    }

    // MARK: - State-machine safety

    /// Observes `node` applying `entry` to its state machine.
    /// - Throws: `.stateMachineSafety` if the entry is out of order or differs from
    ///   the committed history at its index.
    public mutating func observeApplied(_ node: NodeID, entry: Entry) throws(InvariantViolation) {
        var machine = stateMachines[node] ?? AppliedStateMachine()
        guard entry.index == machine.appliedIndex.advanced(by: 1) else {
            throw .stateMachineSafety(node: node, index: entry.index,
                                      detail: "applied after \(machine.appliedIndex): out of order")
        }
        let position = Int(entry.index.rawValue) - 1
        if position < committedHistory.count {
            let committed = committedHistory[position]
            if committed != entry {
                throw .stateMachineSafety(node: node, index: entry.index,
                                          detail: "applied \(entry.term) \(entry.kind) \(entry.data), history has \(committed.term) \(committed.kind) \(committed.data)")
            }
            machine.apply(entry)
            if machine.digest != historyDigests[position + 1] {
                throw .stateMachineSafety(node: node, index: entry.index, detail: "applied sequence digest differs from history")
            }
        } else {
            precondition(position == committedHistory.count, "history and state machine disagree on length")
            machine.apply(entry)
            committedHistory.append(entry)
            historyDigests.append(machine.digest)
        }
        stateMachines[node] = machine
    }

    /// Observes `node`'s state machine being replaced: a snapshot installed, or the
    /// state machine rebuilt from the snapshot on restart.
    /// - Parameters:
    ///   - node: the node.
    ///   - machine: the state machine now in force.
    ///   - isRestart: a restart may go back to an older snapshot; an install may not.
    /// - Throws: `.stateMachineSafety` if it does not match the history, or an install
    ///   moves the state machine backwards.
    public mutating func observeStateMachineReplaced(_ node: NodeID, by machine: AppliedStateMachine,
                                                     isRestart: Bool) throws(InvariantViolation) {
        let previous = stateMachines[node] ?? AppliedStateMachine()
        if !isRestart, machine.appliedIndex < previous.appliedIndex {
            throw .stateMachineSafety(node: node, index: machine.appliedIndex,
                                      detail: "snapshot moves the state machine back from \(previous.appliedIndex)")
        }
        let position = Int(machine.appliedIndex.rawValue)
        guard position < historyDigests.count else {
            throw .stateMachineSafety(node: node, index: machine.appliedIndex,
                                      detail: "snapshot covers entries no node applied (history ends at \(committedHistory.count))")
        }
        if historyDigests[position] != machine.digest {
            throw .stateMachineSafety(node: node, index: machine.appliedIndex, detail: "snapshot differs from history")
        }
        stateMachines[node] = machine
    }

    // MARK: - Commit index

    /// Observes `node`'s commit index.
    /// - Throws: `.commitIndexDecreased` if it is below the last one seen.
    public mutating func observeCommitIndex(_ node: NodeID, _ index: LogIndex) throws(InvariantViolation) {
        let previous = commitIndex[node] ?? .zero
        if index < previous { throw .commitIndexDecreased(node: node, from: previous, to: index) }
        commitIndex[node] = index
    }

    /// Observes `node` persisting `hardState`.
    /// - Throws: `.commitIndexDecreased` if the persisted commit went backwards.
    public mutating func observePersisted(_ node: NodeID, _ hardState: HardState) throws(InvariantViolation) {
        let previous = persistedCommit[node] ?? .zero
        if hardState.commit < previous { throw .commitIndexDecreased(node: node, from: previous, to: hardState.commit) }
        persistedCommit[node] = hardState.commit
    }

    /// Observes `node` restarting with `index` as its commit index. Its in-memory
    /// commit was lost, but it MUST NOT fall below what it persisted.
    /// - Throws: `.commitIndexDecreased` if it restarts below its persisted commit.
    public mutating func observeRestart(_ node: NodeID, commitIndex index: LogIndex) throws(InvariantViolation) {
        let floor = persistedCommit[node] ?? .zero
        if index < floor { throw .commitIndexDecreased(node: node, from: floor, to: index) }
        commitIndex[node] = index
    }

    // MARK: - Acknowledged proposals

    /// Records that the client was told `command` committed at `index` in `term`.
    /// - Throws: `.acknowledgedProposalLost` if the history does not hold it there.
    public mutating func recordAcknowledged(command: [UInt8], index: LogIndex, term: Term) throws(InvariantViolation) {
        let position = Int(index.rawValue) - 1
        guard position >= 0, position < committedHistory.count else {
            throw .acknowledgedProposalLost(index: index, term: term, detail: "acknowledged beyond the applied history")
        }
        let committed = committedHistory[position]
        if committed.term != term || committed.data != command {
            throw .acknowledgedProposalLost(index: index, term: term, detail: "history holds \(committed.term) \(committed.data)")
        }
        acknowledgements.append(Acknowledgement(command: command, index: index, term: term))
    }

    /// Checks that every acknowledged proposal is in the final committed log.
    /// - Parameters:
    ///   - finalLog: the log of the final leader (its compacted prefix is checked
    ///     against the history, which snapshots were matched against).
    ///   - commitIndex: the final commit index.
    /// - Throws: `.acknowledgedProposalLost` for the first one missing.
    public func checkAcknowledged(finalLog: NodeLog, commitIndex: LogIndex) throws(InvariantViolation) {
        for acknowledged in acknowledgements {
            if acknowledged.index > commitIndex {
                throw .acknowledgedProposalLost(index: acknowledged.index, term: acknowledged.term,
                                                detail: "final commit index is \(commitIndex)")
            }
            let held: Entry?
            if acknowledged.index <= finalLog.snapshotIndex {
                let position = Int(acknowledged.index.rawValue) - 1
                held = position < committedHistory.count ? committedHistory[position] : nil
            } else {
                held = finalLog.entry(at: acknowledged.index)
            }
            guard let held else {
                throw .acknowledgedProposalLost(index: acknowledged.index, term: acknowledged.term,
                                                detail: "final log does not hold the index")
            }
            if held.term != acknowledged.term || held.data != acknowledged.command {
                throw .acknowledgedProposalLost(index: acknowledged.index, term: acknowledged.term,
                                                detail: "final log holds \(held.term) \(held.data)")
            }
        }
    }
}
