/// One seeded run from start to finish: faults for a number of ticks, then healing and
/// the liveness and end-of-run checks. Tests and `raft-soak` run seeds through this.
public struct SimulationRun: Sendable {
    /// What a run that passed looked like.
    public struct Summary: Hashable, Sendable {
        /// The seed.
        public var seed: UInt64
        /// Ticks simulated, including the liveness phase.
        public var ticks: Int
        /// What happened.
        public var statistics: SimulationStatistics
        /// Digest of the whole run (see `Simulation.stateDigest`).
        public var digest: StableDigest
    }

    /// The cluster and fault profile.
    public var options: SimulationOptions
    /// Ticks of faults before healing.
    public var faultTicks: Int

    /// Creates a run description.
    /// - Parameters:
    ///   - options: the cluster shape and faults.
    ///   - faultTicks: how long faults are injected before the liveness check.
    public init(options: SimulationOptions, faultTicks: Int) {
        self.options = options
        self.faultTicks = faultTicks
    }

    /// Runs one seed.
    /// - Parameter seed: the seed.
    /// - Returns: the summary of a passing run.
    /// - Throws: `SimulationFailure` (its description starts with `SIM_SEED=`).
    public func run(seed: UInt64) throws(SimulationFailure) -> Summary {
        var simulation = Simulation(seed: seed, options: options)
        try simulation.run(ticks: faultTicks)
        try simulation.checkLiveness()
        return Summary(seed: seed, ticks: simulation.now, statistics: simulation.statistics,
                       digest: simulation.stateDigest)
    }
}
