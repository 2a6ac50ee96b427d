/// The settings of the queue state machine. Every node of a cluster MUST use the same
/// values, or apply would diverge: they are fixed at cluster creation.
public struct QueueModelConfig: Hashable, Sendable {
    /// How long an idempotency key is remembered, in milliseconds (default 24 h). A
    /// retry whose command timestamp is less than this after the original's gets the
    /// original id.
    public var idempotencyWindow: UInt64
    /// The number of delivery partitions (default 64). Invariant: `>= 1`. MUST NOT
    /// change once the cluster holds messages: queue keys embed the partition.
    public var partitionCount: UInt16

    /// 24 hours in milliseconds.
    public static let defaultIdempotencyWindow: UInt64 = 24 * 60 * 60 * 1000

    /// Creates a configuration.
    /// - Parameters:
    ///   - idempotencyWindow: milliseconds an idempotency key is remembered.
    ///   - partitionCount: the number of partitions, at least 1.
    public init(idempotencyWindow: UInt64 = QueueModelConfig.defaultIdempotencyWindow, partitionCount: UInt16 = 64) {
        precondition(partitionCount >= 1, "a queue needs at least one partition")
        self.idempotencyWindow = idempotencyWindow
        self.partitionCount = partitionCount
    }
}
