/// A failed simulation run: which seed, when, why, and the last trace events.
///
/// Its description starts with `SIM_SEED=<n>` so a failing run can be replayed with
/// `SIM_SEED=<n> swift test --filter …`.
public struct SimulationFailure: Error, Sendable, CustomStringConvertible {
    /// Why the run failed.
    public enum Reason: Error, Hashable, Sendable, CustomStringConvertible {
        /// A safety property broke.
        case invariant(InvariantViolation)
        /// After faults healed the cluster did not elect a leader or commit in time.
        case liveness(String)

        public var description: String {
            switch self {
            case let .invariant(violation): "invariant violated: \(violation)"
            case let .liveness(detail): "liveness: \(detail)"
            }
        }
    }

    /// The seed that reproduces the run.
    public var seed: UInt64
    /// The tick at which it failed.
    public var tick: Int
    /// Why.
    public var reason: Reason
    /// The last trace events, oldest first.
    public var trace: [String]

    /// Creates a failure report.
    public init(seed: UInt64, tick: Int, reason: Reason, trace: [String]) {
        self.seed = seed
        self.tick = tick
        self.reason = reason
        self.trace = trace
    }

    public var description: String {
        "SIM_SEED=\(seed) failed at tick \(tick): \(reason)\n"
            + "last \(trace.count) trace events:\n" + trace.joined(separator: "\n")
    }
}
