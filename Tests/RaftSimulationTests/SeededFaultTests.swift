import RaftCore
import RaftSimulation
import Testing

/// Mixed-fault runs: a lossy, duplicating, reordering network; symmetric, one-way and
/// bridge partitions; crashes (some between takeReady and persisting); membership
/// changes; leader transfers; compaction. Every tick is checked for safety; after the
/// faults heal the cluster MUST make progress. CI profile: 500 seeds in all.
@Suite("Seeded mixed-fault simulation")
struct SeededFaultTests {
    /// Ticks of faults per seed, tuned so the CI profile stays under 3 minutes in a
    /// debug build on 2 cores.
    static let faultTicks = 500

    static func run(_ batch: SimulationSeeds.Batch, options: SimulationOptions, test: String) {
        let run = SimulationRun(options: options, faultTicks: faultTicks)
        for seed in batch.seeds {
            do {
                _ = try run.run(seed: seed)
            } catch {
                Issue.record("""
                    voters=\(options.voters) learners=\(options.learners); replay with
                    SIM_SEED=\(seed) swift test --filter "SeededFaultTests/\(test)"
                    \(error)
                    """)
            }
        }
    }

    @Test("3 voters stay safe and live under mixed faults", arguments: SimulationSeeds.batches(ciCount: 200))
    func threeVoters(batch: SimulationSeeds.Batch) {
        Self.run(batch, options: SimulationOptions(voters: 3), test: "threeVoters")
    }

    @Test("5 voters and a learner stay safe and live under mixed faults", arguments: SimulationSeeds.batches(ciCount: 200))
    func fiveVoters(batch: SimulationSeeds.Batch) {
        Self.run(batch, options: SimulationOptions(voters: 5, learners: 1), test: "fiveVoters")
    }

    @Test("7 voters stay safe and live under mixed faults", arguments: SimulationSeeds.batches(ciCount: 100))
    func sevenVoters(batch: SimulationSeeds.Batch) {
        Self.run(batch, options: SimulationOptions(voters: 7), test: "sevenVoters")
    }
}
