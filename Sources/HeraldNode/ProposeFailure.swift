public import RaftCore

/// Why a proposal did not produce an outcome.
public enum ProposeFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// The core refused it (not leader, overloaded, too large, transfer in progress).
    case refused(ProposalError)
    /// Leadership changed before the entry committed: it may or may not commit later.
    /// Retrying with the same idempotency key is safe.
    case outcomeUnknown(term: Term, index: LogIndex)
    /// The node is shutting down.
    case shuttingDown

    public var description: String {
        switch self {
        case .refused(let error): "refused: \(error)"
        case .outcomeUnknown(let term, let index): "leadership changed before entry \(index) of term \(term) committed; outcome unknown"
        case .shuttingDown: "the node is shutting down"
        }
    }
}
