/// The outcome of one entry of a batch.
public struct AppliedOutcome: Hashable, Sendable {
    /// The entry's log index.
    public var index: AppliedIndex
    /// What the command did.
    public var outcome: CommandOutcome

    /// Creates an applied outcome.
    /// - Parameters:
    ///   - index: the entry's log index.
    ///   - outcome: what it did.
    public init(index: AppliedIndex, outcome: CommandOutcome) {
        self.index = index
        self.outcome = outcome
    }
}
