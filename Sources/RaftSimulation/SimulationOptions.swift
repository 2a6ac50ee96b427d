/// The shape of a simulated cluster and how it is tested.
public struct SimulationOptions: Hashable, Sendable {
    /// Voters at start (3, 5, 7, ...).
    public var voters: Int
    /// Learners at start.
    public var learners: Int
    /// Faults to inject.
    public var faults: FaultProfile
    /// Election timeout base of every core (see `RaftConfig.electionTicks`).
    public var electionTicks: Int
    /// Heartbeat interval of every core.
    public var heartbeatTicks: Int
    /// Bytes per AppendEntries message; small, so long catch-ups span many messages.
    public var maxMessageBytes: Int
    /// Pipelining window per follower.
    public var maxInflightMessages: Int
    /// Bytes per InstallSnapshot chunk; small, so every snapshot is chunked.
    public var snapshotChunkBytes: Int
    /// Ticks after faults heal within which a leader MUST be elected and a new
    /// proposal MUST commit and be applied by every member.
    public var livenessBoundTicks: Int
    /// Trace events kept for failure reports.
    public var traceCapacity: Int

    /// Creates options.
    public init(voters: Int = 3, learners: Int = 0, faults: FaultProfile = .mixed,
                electionTicks: Int = 10, heartbeatTicks: Int = 2, maxMessageBytes: Int = 64,
                maxInflightMessages: Int = 4, snapshotChunkBytes: Int = 10,
                livenessBoundTicks: Int = 400, traceCapacity: Int = 200) {
        precondition(voters >= 1, "a cluster needs a voter")
        self.voters = voters
        self.learners = learners
        self.faults = faults
        self.electionTicks = electionTicks
        self.heartbeatTicks = heartbeatTicks
        self.maxMessageBytes = maxMessageBytes
        self.maxInflightMessages = maxInflightMessages
        self.snapshotChunkBytes = snapshotChunkBytes
        self.livenessBoundTicks = livenessBoundTicks
        self.traceCapacity = traceCapacity
    }
}
