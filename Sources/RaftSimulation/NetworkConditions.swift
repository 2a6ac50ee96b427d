/// How badly the simulated network behaves when no partition is in force.
public struct NetworkConditions: Hashable, Sendable {
    /// Chance that a message is lost.
    public var dropProbability: Double
    /// Chance that a message is delivered twice (each copy with its own delay).
    public var duplicateProbability: Double
    /// Fewest ticks a message spends in flight (0: delivered in the same tick).
    public var minDelayTicks: Int
    /// Most ticks a message spends in flight. Delays are drawn independently per
    /// message, so any spread above `minDelayTicks` reorders messages.
    public var maxDelayTicks: Int

    /// Creates network conditions.
    public init(dropProbability: Double = 0, duplicateProbability: Double = 0,
                minDelayTicks: Int = 0, maxDelayTicks: Int = 0) {
        precondition(0 <= minDelayTicks && minDelayTicks <= maxDelayTicks, "delay range is empty")
        self.dropProbability = dropProbability
        self.duplicateProbability = duplicateProbability
        self.minDelayTicks = minDelayTicks
        self.maxDelayTicks = maxDelayTicks
    }

    /// Every message arrives once, within the tick it was sent, in order.
    public static let perfect = NetworkConditions()

    /// Loss, duplication and reordering at rates that still let Raft make progress.
    public static let lossy = NetworkConditions(dropProbability: 0.05, duplicateProbability: 0.02,
                                                minDelayTicks: 0, maxDelayTicks: 3)
}
