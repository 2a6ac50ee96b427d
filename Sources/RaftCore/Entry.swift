/// One record of the replicated log.
public struct Entry: Hashable, Sendable {
    /// What an entry carries.
    public enum Kind: UInt8, Sendable {
        /// An application command (for Herald: an encoded QueueModel command).
        case command = 0
        /// The empty entry a new leader appends to commit entries of earlier terms (Raft §5.4.2, §8).
        case noop = 1
        /// An encoded `MembershipChange`; takes effect when appended (Raft thesis §4.1).
        case membership = 2
    }

    /// The leader's term when the entry was created.
    public var term: Term
    /// The entry's position in the log.
    public var index: LogIndex
    /// What `data` holds.
    public var kind: Kind
    /// The payload; opaque to the core for `.command`.
    public var data: [UInt8]

    /// Creates an entry.
    public init(term: Term, index: LogIndex, kind: Kind = .command, data: [UInt8] = []) {
        self.term = term
        self.index = index
        self.kind = kind
        self.data = data
    }
}
