import RaftCore
import RaftSimulation
import Testing

@Suite("Simulation determinism")
struct DeterminismTests {
    @Test("the same seed replays the same run byte for byte", arguments: [3, 5, 7])
    func sameSeedSameRun(voters: Int) throws {
        func play() throws -> (lines: [String], digest: StableDigest, statistics: SimulationStatistics) {
            var simulation = Simulation(seed: 4242, options: SimulationOptions(voters: voters))
            try simulation.run(ticks: 400)
            try simulation.checkLiveness()
            return (simulation.trace.lines, simulation.stateDigest, simulation.statistics)
        }
        let first = try play()
        let second = try play()
        #expect(first.lines.count == 200)
        #expect(first.lines == second.lines)
        #expect(first.digest == second.digest)
        #expect(first.statistics == second.statistics)
    }

    @Test("different seeds take different paths")
    func differentSeedsDiffer() throws {
        var first = Simulation(seed: 1, options: SimulationOptions(voters: 3))
        var second = Simulation(seed: 2, options: SimulationOptions(voters: 3))
        try first.run(ticks: 300)
        try second.run(ticks: 300)
        #expect(first.stateDigest != second.stateDigest)
    }

    @Test("a failure report names the seed and carries the trace")
    func failureReportFormat() {
        let failure = SimulationFailure(seed: 77, tick: 5, reason: .liveness("stuck"),
                                        trace: ["t=4 a", "t=5 b"])
        #expect(failure.description.hasPrefix("SIM_SEED=77 "))
        #expect(failure.description.hasSuffix("t=4 a\nt=5 b"))
    }
}
