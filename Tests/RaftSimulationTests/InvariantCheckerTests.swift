import RaftCore
import RaftSimulation
import Testing

/// The checker must be able to fail: each test hands it a history that breaks exactly
/// one property and expects that property's error case.
@Suite("InvariantChecker catches broken histories")
struct InvariantCheckerTests {
    private let n1 = NodeID(1), n2 = NodeID(2), n3 = NodeID(3)

    private func entry(_ index: UInt64, _ term: UInt64, _ data: [UInt8] = []) -> Entry {
        Entry(term: Term(term), index: LogIndex(index), kind: .command, data: data)
    }

    @Test("two leaders in the same term break election safety (§5.2)")
    func twoLeadersSameTerm() throws {
        var checker = InvariantChecker()
        try checker.observeLeader(n1, term: Term(3), log: NodeLog(entries: []))
        try checker.observeLeader(n1, term: Term(3), log: NodeLog(entries: []))   // same leader again: fine
        try checker.observeLeader(n2, term: Term(4), log: NodeLog(entries: []))   // next term: fine
        #expect(throws: InvariantViolation.electionSafety(term: Term(3), leaders: [n1, n2])) {
            try checker.observeLeader(n2, term: Term(3), log: NodeLog(entries: []))
        }
    }

    @Test("same index and term with different content breaks log matching (§5.3)")
    func divergentContentSameIndexTerm() throws {
        var checker = InvariantChecker()
        try checker.observeAppended(n1, entries: [entry(1, 1, [1]), entry(2, 1, [2])], precedingTerm: .zero)
        try checker.observeAppended(n2, entries: [entry(1, 1, [1]), entry(2, 1, [2])], precedingTerm: .zero)
        let error = #expect(throws: InvariantViolation.self) {
            try checker.observeAppended(n3, entries: [entry(2, 1, [9])], precedingTerm: Term(1))
        }
        guard case .logMatching(let index, let term, _) = error else {
            Issue.record("expected logMatching, got \(String(describing: error))"); return
        }
        #expect(index == LogIndex(2) && term == Term(1))
    }

    @Test("same index and term with a different predecessor breaks log matching (§5.3)")
    func divergentPrefixSameIndexTerm() throws {
        var checker = InvariantChecker()
        try checker.observeAppended(n1, entries: [entry(1, 1), entry(2, 2, [7])], precedingTerm: .zero)
        let error = #expect(throws: InvariantViolation.self) {
            try checker.observeAppended(n2, entries: [entry(2, 2, [7])], precedingTerm: Term(3))
        }
        guard case .logMatching = error else { Issue.record("expected logMatching, got \(String(describing: error))"); return }
    }

    @Test("whole logs that share an entry but differ before it break log matching")
    func wholeLogsDivergeBeforeSharedEntry() throws {
        let left = NodeLog(entries: [entry(1, 1, [1]), entry(2, 1, [2]), entry(3, 2, [3])])
        let right = NodeLog(entries: [entry(1, 1, [1]), entry(2, 1, [5]), entry(3, 2, [3])])
        let agreeing = NodeLog(entries: [entry(1, 1, [1]), entry(2, 1, [2]), entry(3, 3, [4])])
        try InvariantChecker.checkLogMatching([n1: left, n3: agreeing])   // differ only after the match: fine
        let error = #expect(throws: InvariantViolation.self) {
            try InvariantChecker.checkLogMatching([n1: left, n2: right, n3: agreeing])
        }
        guard case .logMatching(let index, _, _) = error else {
            Issue.record("expected logMatching, got \(String(describing: error))"); return
        }
        #expect(index == LogIndex(3))
    }

    @Test("a later leader without a committed entry breaks leader completeness (§5.4)")
    func laterLeaderLacksCommittedEntry() throws {
        var checker = InvariantChecker()
        try checker.observeLeader(n1, term: Term(1), log: NodeLog(entries: []))
        try checker.observeApplied(n1, entry: entry(1, 1, [1]))
        try checker.observeApplied(n1, entry: entry(2, 1, [2]))
        // n2 leads term 2 with index 2 overwritten by another entry.
        let error = #expect(throws: InvariantViolation.self) {
            try checker.observeLeader(n2, term: Term(2), log: NodeLog(entries: [entry(1, 1, [1]), entry(2, 2, [3])]))
        }
        guard case .leaderCompleteness(let leader, let term, let index, _) = error else {
            Issue.record("expected leaderCompleteness, got \(String(describing: error))"); return
        }
        #expect(leader == n2 && term == Term(2) && index == LogIndex(2))
        // A leader whose log is merely short is caught too.
        #expect(throws: InvariantViolation.self) {
            try checker.observeLeader(n3, term: Term(3), log: NodeLog(entries: [entry(1, 1, [1])]))
        }
    }

    @Test("applied sequences that diverge break state-machine safety (§5.4.3)")
    func appliedSequencesDiverge() throws {
        var checker = InvariantChecker()
        try checker.observeApplied(n1, entry: entry(1, 1, [1]))
        try checker.observeApplied(n1, entry: entry(2, 1, [2]))
        try checker.observeApplied(n2, entry: entry(1, 1, [1]))
        #expect(throws: InvariantViolation.stateMachineSafety(node: n2, index: LogIndex(2),
                                                              detail: "applied t2 command [9], history has t1 command [2]")) {
            try checker.observeApplied(n2, entry: entry(2, 2, [9]))
        }
        // Skipping an index is a violation as well.
        let error = #expect(throws: InvariantViolation.self) {
            try checker.observeApplied(n3, entry: entry(2, 1, [2]))
        }
        guard case .stateMachineSafety = error else { Issue.record("expected stateMachineSafety"); return }
    }

    @Test("a snapshot that differs from the history breaks state-machine safety")
    func snapshotDiffersFromHistory() throws {
        var checker = InvariantChecker()
        try checker.observeApplied(n1, entry: entry(1, 1, [1]))
        var honest = AppliedStateMachine()
        honest.apply(entry(1, 1, [1]))
        try checker.observeStateMachineReplaced(n2, by: honest, isRestart: false)
        var forged = AppliedStateMachine()
        forged.apply(entry(1, 1, [2]))
        let error = #expect(throws: InvariantViolation.self) {
            try checker.observeStateMachineReplaced(n3, by: forged, isRestart: false)
        }
        guard case .stateMachineSafety = error else { Issue.record("expected stateMachineSafety"); return }
    }

    @Test("a commit index going backwards, live or across restart, is caught")
    func commitGoesBackwards() throws {
        var checker = InvariantChecker()
        try checker.observeCommitIndex(n1, LogIndex(5))
        try checker.observeCommitIndex(n1, LogIndex(5))
        #expect(throws: InvariantViolation.commitIndexDecreased(node: n1, from: LogIndex(5), to: LogIndex(4))) {
            try checker.observeCommitIndex(n1, LogIndex(4))
        }
        try checker.observePersisted(n2, HardState(term: Term(1), vote: n2, commit: LogIndex(7)))
        // After a crash the in-memory commit may be lower than before, but not below the persisted one.
        try checker.observeRestart(n2, commitIndex: LogIndex(7))
        #expect(throws: InvariantViolation.commitIndexDecreased(node: n2, from: LogIndex(7), to: LogIndex(3))) {
            try checker.observeRestart(n2, commitIndex: LogIndex(3))
        }
        #expect(throws: InvariantViolation.commitIndexDecreased(node: n2, from: LogIndex(7), to: LogIndex(6))) {
            try checker.observePersisted(n2, HardState(term: Term(2), vote: nil, commit: LogIndex(6)))
        }
    }

    @Test("an acknowledged proposal missing from the final log is caught")
    func acknowledgedProposalMissing() throws {
        var checker = InvariantChecker()
        try checker.observeApplied(n1, entry: entry(1, 1, [42]))
        try checker.recordAcknowledged(command: [42], index: LogIndex(1), term: Term(1))
        try checker.checkAcknowledged(finalLog: NodeLog(entries: [entry(1, 1, [42])]), commitIndex: LogIndex(1))
        let overwritten = NodeLog(entries: [entry(1, 2, [43])])
        let error = #expect(throws: InvariantViolation.self) {
            try checker.checkAcknowledged(finalLog: overwritten, commitIndex: LogIndex(1))
        }
        guard case .acknowledgedProposalLost(let index, let term, _) = error else {
            Issue.record("expected acknowledgedProposalLost, got \(String(describing: error))"); return
        }
        #expect(index == LogIndex(1) && term == Term(1))
        #expect(throws: InvariantViolation.self) {
            try checker.checkAcknowledged(finalLog: NodeLog(entries: [entry(1, 1, [42])]), commitIndex: .zero)
        }
        // Acknowledging something the history does not hold is caught at once.
        #expect(throws: InvariantViolation.self) {
            try checker.recordAcknowledged(command: [99], index: LogIndex(1), term: Term(1))
        }
    }

    @Test("a node voting for two candidates in one term is caught (Figure 2: votedFor is durable)")
    func doubleVote() throws {
        var checker = InvariantChecker()
        try checker.observeVoteGranted(n3, term: Term(5), candidate: n1)
        try checker.observeVoteGranted(n3, term: Term(5), candidate: n1)   // a resent grant: fine
        try checker.observeVoteGranted(n3, term: Term(6), candidate: n2)   // a new term: fine
        #expect(throws: InvariantViolation.doubleVote(voter: n3, term: Term(5), candidates: [n1, n2])) {
            try checker.observeVoteGranted(n3, term: Term(5), candidate: n2)
        }
    }
}
