/// The result of applying one command: what to write, and what to tell the proposer.
public struct ApplyResult: Equatable, Sendable {
    /// The writes, in order. The shell MUST write them in one atomic batch together with
    /// the applied index (see `StateDigest`), and MUST NOT write a subset.
    public var mutations: [StateMutation]
    /// What the command did.
    public var outcome: CommandOutcome

    /// Creates a result.
    /// - Parameters:
    ///   - mutations: the writes.
    ///   - outcome: what the command did.
    public init(mutations: [StateMutation], outcome: CommandOutcome) {
        self.mutations = mutations
        self.outcome = outcome
    }
}

