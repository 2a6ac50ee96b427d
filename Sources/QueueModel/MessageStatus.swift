/// What a status query shows about one message.
public struct MessageStatus: Hashable, Sendable {
    /// The stored record: envelope, schedule and every recipient's state.
    public var record: MessageRecord
    /// Whether the body is still stored (it is dropped once no recipient waits).
    public var bodyStored: Bool

    /// Creates a status.
    /// - Parameters:
    ///   - record: the message record.
    ///   - bodyStored: whether the body is still stored.
    public init(record: MessageRecord, bodyStored: Bool) {
        self.record = record
        self.bodyStored = bodyStored
    }

    /// Whether every recipient is in a final state.
    public var isFinal: Bool { record.recipients.allSatisfy { $0.state.isFinal } }

    /// How many recipients are in `state`.
    /// - Parameter state: the state to count.
    /// - Returns: the number of recipients in it.
    public func count(of state: RecipientState) -> Int {
        record.recipients.count { $0.state == state }
    }
}
