import RaftCore

/// Proposers waiting for their entry to be applied, by log index. Owned by the Raft
/// loop alone.
struct ProposalWaiters<Outcome: Sendable> {
    private struct Waiter {
        var term: Term
        var continuation: CheckedContinuation<Outcome, any Error>
    }

    private var byIndex: [LogIndex: Waiter] = [:]

    mutating func add(term: Term, index: LogIndex, _ continuation: CheckedContinuation<Outcome, any Error>) {
        byIndex[index] = Waiter(term: term, continuation: continuation)
    }

    /// Answers the proposer of `entry`, if any. An entry of another term at that index
    /// means the proposal was overwritten by a new leader: its outcome is unknown to us.
    mutating func resolve(entry: Entry, outcome: Outcome?) {
        guard let waiter = byIndex.removeValue(forKey: entry.index) else { return }
        if waiter.term == entry.term, let outcome {
            waiter.continuation.resume(returning: outcome)
        } else {
            waiter.continuation.resume(throwing: ProposeFailure.outcomeUnknown(term: waiter.term, index: entry.index))
        }
    }

    /// Fails every waiter whose term is not `term` (leadership was lost).
    mutating func failAll(except term: Term) {
        for (index, waiter) in byIndex where waiter.term != term {
            waiter.continuation.resume(throwing: ProposeFailure.outcomeUnknown(term: waiter.term, index: index))
            byIndex.removeValue(forKey: index)
        }
    }

    /// Fails every waiter.
    mutating func failAll(_ failure: ProposeFailure) {
        for waiter in byIndex.values { waiter.continuation.resume(throwing: failure) }
        byIndex.removeAll()
    }
}
