public import RaftCore

/// The answer to a successful enqueue: the message's id and where it sits in the log.
public struct EnqueueAck: Equatable, Sendable {
    /// The message's id; for a duplicate, the id of the earlier message with the same key.
    public var id: WireMessageID
    /// The term of the log entry that holds the enqueue.
    public var term: Term
    /// The index of the log entry that holds the enqueue.
    public var index: LogIndex
    /// True when the idempotency key matched an earlier message and nothing new was queued.
    public var duplicate: Bool
    /// Recipients not queued because they are on the suppression list.
    public var suppressed: [String]

    /// Creates an acknowledgement.
    public init(id: WireMessageID, term: Term, index: LogIndex, duplicate: Bool = false, suppressed: [String] = []) {
        self.id = id
        self.term = term
        self.index = index
        self.duplicate = duplicate
        self.suppressed = suppressed
    }
}
