// raft-soak: runs many simulation seeds (build with -c release) and reports seeds/s
// and every failure with its SIM_SEED.
//
//   swift run -c release raft-soak --seeds 100000 [--start 0] [--voters 3|5|7] [--ticks 1500]
//
// Without --voters the seeds rotate over 3, 5 and 7 voters (seed % 3), with one
// learner on the 5-voter clusters, exactly as the CI profile does.
import RaftSimulation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct SoakArguments {
    var seeds: UInt64 = 1_000
    var start: UInt64 = 0
    var voters: Int?
    var ticks = 1_500
    var stopOnFailure = false

    init(_ arguments: [String]) {
        var iterator = arguments.dropFirst().makeIterator()
        while let flag = iterator.next() {
            switch flag {
            case "--seeds": seeds = iterator.next().flatMap { UInt64($0) } ?? seeds
            case "--start": start = iterator.next().flatMap { UInt64($0) } ?? start
            case "--voters": voters = iterator.next().flatMap { Int($0) }
            case "--ticks": ticks = iterator.next().flatMap { Int($0) } ?? ticks
            case "--stop-on-failure": stopOnFailure = true
            default:
                print("usage: raft-soak [--seeds N] [--start S] [--voters 3|5|7] [--ticks T] [--stop-on-failure]")
                exit(2)
            }
        }
    }
}

/// Prints a line and flushes it at once, so progress shows up in a redirected log.
func report(_ line: String) {
    print(line)
    fflush(nil)
}

let arguments = SoakArguments(CommandLine.arguments)
let clock = ContinuousClock()
let started = clock.now
var failures: [String] = []
var totals = SimulationStatistics()
var runsDigest = StableDigest()
var ticks = 0
var ran: UInt64 = 0
var lastReport = started

seeds: for seed in arguments.start..<(arguments.start + arguments.seeds) {
    ran += 1
    let voters = arguments.voters ?? [3, 5, 7][Int(seed % 3)]
    let options = SimulationOptions(voters: voters, learners: voters == 5 ? 1 : 0)
    switch Result(catching: { () throws(SimulationFailure) in
        try SimulationRun(options: options, faultTicks: arguments.ticks).run(seed: seed)
    }) {
    case let .success(summary):
        totals.add(summary.statistics)
        runsDigest.combine(summary.digest.value)
        ticks += summary.ticks
    case let .failure(failure):
        failures.append("voters=\(voters) SIM_SEED=\(seed): \(failure.reason)")
        report("FAILURE voters=\(voters)\n\(failure)\n")
        if arguments.stopOnFailure { break seeds }
    }
    if clock.now - lastReport > .seconds(30) {
        lastReport = clock.now
        let done = seed - arguments.start + 1
        report("progress: \(done) seeds, \(failures.count) failures, \(clock.now - started)")
    }
}

let elapsed = clock.now - started
let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
print("seeds \(arguments.start)..<\(arguments.start + ran): \(failures.count) failures, \(ticks) ticks in passing runs")
print("totals over passing runs: \(totals)")
print("digest of passing runs: \(runsDigest) (same seeds and build => same digest, in any process)")
print("elapsed \(elapsed), \(Double(ran) / max(seconds, 0.001)) seeds/s")
for failure in failures { print(failure) }
exit(failures.isEmpty ? 0 : 1)
