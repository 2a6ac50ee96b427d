/// Everything a batch of committed entries asks for.
public struct BatchResult: Equatable, Sendable {
    /// The writes of every applied entry, in order, ending with the digest's `meta`
    /// record. The shell MUST write them in ONE atomic batch before it answers any
    /// proposer. Empty if every entry was already applied.
    public var mutations: [StateMutation]
    /// One outcome per newly applied entry, in log order.
    public var outcomes: [AppliedOutcome]
    /// The digest after the batch; its index is the new applied index.
    public var digest: StateDigest

    /// Creates a batch result.
    /// - Parameters:
    ///   - mutations: the writes, ending with the `meta` record.
    ///   - outcomes: the outcomes in log order.
    ///   - digest: the digest after the batch.
    public init(mutations: [StateMutation], outcomes: [AppliedOutcome], digest: StateDigest) {
        self.mutations = mutations
        self.outcomes = outcomes
        self.digest = digest
    }
}
