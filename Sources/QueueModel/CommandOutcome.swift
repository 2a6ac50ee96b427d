/// What applying one command did, as the proposer's caller needs to know it (the
/// producer's ack, the admin API's answer). Identical on every node.
public enum CommandOutcome: Hashable, Sendable {
    /// The message was stored; `suppressed` lists the recipients (as given) that were
    /// suppressed at apply time and will not be sent to.
    case enqueued(MessageID, suppressed: [String])
    /// The idempotency key was used within the window: nothing was stored, and the
    /// producer gets the original message's id and, as in the original's answer, the
    /// recipients that were suppressed when it was enqueued.
    case duplicate(original: MessageID, suppressed: [String])
    /// `count` waiting recipients were cancelled.
    case cancelled(count: Int)
    /// No message has that id.
    case notFound
    /// The message exists but no recipient was waiting: nothing changed.
    case alreadyFinal
    /// The suppression was stored (added or replaced).
    case suppressed
    /// The suppression was removed (`found: true`) or there was none (`found: false`).
    case unsuppressed(found: Bool)
    /// `count` idempotency keys were forgotten; `more` is `true` when the scan stopped
    /// at the limit, so older keys may remain and the leader should propose again.
    case idempotencyKeysExpired(count: Int, more: Bool)
    /// The command cannot be applied to this state; nothing changed. The leader's
    /// validation should have caught it, so it is reported, not retried.
    case rejected(ApplyRejection)
}

