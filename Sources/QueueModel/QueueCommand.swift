/// One change of replicated queue state: the payload of a Raft log entry, applied in
/// log order by `QueueStateMachine` on every node, exactly once.
///
/// Every command carries `timestamp`, the leader's clock when it proposed the command,
/// so apply never reads a clock. The binary form is in `QueueCommand+Encoding.swift`.
public struct QueueCommand: Hashable, Sendable {
    /// The leader's time when it proposed the command.
    public var timestamp: Timestamp
    /// What the command does.
    public var action: Action

    /// Creates a command.
    /// - Parameters:
    ///   - timestamp: the leader's time of proposal.
    ///   - action: what the command does.
    public init(timestamp: Timestamp, action: Action) {
        self.timestamp = timestamp
        self.action = action
    }

    /// What a command does. Reserved for later issues (with their encoding tags):
    /// `claim` (5), `result` (6), `assign` (7).
    public enum Action: Hashable, Sendable {
        /// Accept a new message for delivery.
        case enqueue(EnqueueRequest)
        /// Stop delivering a message: recipients still waiting become `cancelled`.
        case cancel(MessageID)
        /// Add (or replace) a suppression of an address or a whole domain.
        case suppress(SuppressionEntry)
        /// Remove a suppression of an address or domain (`@example.com`).
        case unsuppress(address: String)
        /// Forget up to `limit` of the oldest idempotency keys remembered since before
        /// `before`. The leader proposes it now and then with `before = now - window`;
        /// apply never forgets a key still inside the window, whatever `before` says.
        case expireIdempotencyKeys(before: Timestamp, limit: UInt32)
    }

    /// An `enqueue` command.
    public static func enqueue(_ request: EnqueueRequest, at timestamp: Timestamp) -> QueueCommand {
        QueueCommand(timestamp: timestamp, action: .enqueue(request))
    }

    /// A `cancel` command.
    public static func cancel(_ messageID: MessageID, at timestamp: Timestamp) -> QueueCommand {
        QueueCommand(timestamp: timestamp, action: .cancel(messageID))
    }

    /// A `suppress` command.
    public static func suppress(_ entry: SuppressionEntry, at timestamp: Timestamp) -> QueueCommand {
        QueueCommand(timestamp: timestamp, action: .suppress(entry))
    }

    /// The largest `limit` of an `expireIdempotencyKeys` command; larger ones do not
    /// decode.
    public static let maxExpiryLimit: UInt32 = 10_000

    /// An `expireIdempotencyKeys` command.
    public static func expireIdempotencyKeys(before: Timestamp, limit: UInt32, at timestamp: Timestamp) -> QueueCommand {
        precondition(limit <= maxExpiryLimit, "an expiry limit above \(maxExpiryLimit) does not decode")
        return QueueCommand(timestamp: timestamp, action: .expireIdempotencyKeys(before: before, limit: limit))
    }

    /// An `unsuppress` command.
    public static func unsuppress(_ address: String, at timestamp: Timestamp) -> QueueCommand {
        QueueCommand(timestamp: timestamp, action: .unsuppress(address: address))
    }
}
