import RaftCore

/// Proposers waiting for their entry to be applied, by log index. Owned by the Raft
/// loop alone.
struct ProposalWaiters<Outcome: Sendable> {
    /// How a proposer hears its outcome.
    enum Notify {
        /// A suspended task.
        case continuation(CheckedContinuation<Outcome, any Error>)
        /// A callback, run on the Raft loop; it MUST return quickly.
        case callback(@Sendable (Result<Outcome, ProposeFailure>) -> Void)

        func callAsFunction(_ result: Result<Outcome, ProposeFailure>) {
            switch self {
            case .continuation(let continuation): continuation.resume(with: result.mapError { $0 as any Error })
            case .callback(let callback): callback(result)
            }
        }
    }

    private struct Waiter {
        var term: Term
        var notify: Notify
    }

    private var byIndex: [LogIndex: Waiter] = [:]

    mutating func add(term: Term, index: LogIndex, _ notify: Notify) {
        // NB: a waiter still at this index (its entry replaced before it was resolved)
        // would otherwise never hear anything, and its producer would wait for ever.
        if let stale = byIndex[index] { stale.notify(.failure(.outcomeUnknown(term: stale.term, index: index))) }
        byIndex[index] = Waiter(term: term, notify: notify)
    }

    /// Answers the proposer of `entry`, if any. An entry of another term at that index
    /// means the proposal was overwritten by a new leader: its outcome is unknown to us.
    mutating func resolve(entry: Entry, outcome: Outcome?) {
        guard let waiter = byIndex.removeValue(forKey: entry.index) else { return }
        if waiter.term == entry.term, let outcome {
            waiter.notify(.success(outcome))
        } else {
            waiter.notify(.failure(.outcomeUnknown(term: waiter.term, index: entry.index)))
        }
    }

    /// Fails every waiter with `outcomeUnknown`: this node stopped leading, so it will
    /// not learn their outcome in time. NB: not only waiters of older terms — a
    /// check-quorum step-down keeps the term, and its proposals would otherwise wait
    /// until the partition heals (their entries may still commit, hence "unknown").
    mutating func failAllOutcomeUnknown() {
        for (index, waiter) in byIndex {
            waiter.notify(.failure(.outcomeUnknown(term: waiter.term, index: index)))
        }
        byIndex.removeAll()
    }
}
