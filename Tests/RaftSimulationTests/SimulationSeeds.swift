import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Which seeds the seeded simulation tests run, chosen by environment variables:
///
/// - `SIM_SEED=<n>`: only seed n (replaying a failure);
/// - `SIM_SEEDS=<n>` or `SIM_PROFILE=long`: the long profile, n seeds per cluster
///   size (100 000 for `SIM_PROFILE=long`);
/// - otherwise the CI profile (`ciSeedsPerSize`).
enum SimulationSeeds {
    /// A contiguous block of seeds, one test case.
    struct Batch: CustomTestStringConvertible, Sendable {
        var seeds: Range<UInt64>
        var testDescription: String { "seeds \(seeds.lowerBound)..<\(seeds.upperBound)" }
    }

    static func environment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    /// The one seed to replay, if `SIM_SEED` is set.
    static var replaySeed: UInt64? { environment("SIM_SEED").flatMap { UInt64($0) } }

    /// Seeds per cluster size for the long profile, if requested.
    static var longProfileCount: UInt64? {
        if let count = environment("SIM_SEEDS").flatMap({ UInt64($0) }) { return count }
        return environment("SIM_PROFILE") == "long" ? 100_000 : nil
    }

    /// Splits the seeds for one cluster size into batches (parallel test cases).
    /// - Parameter ciCount: seeds for this size in the CI profile.
    static func batches(ciCount: UInt64, batchSize: UInt64 = 10) -> [Batch] {
        if let seed = replaySeed { return [Batch(seeds: seed..<(seed + 1))] }
        let count = longProfileCount ?? ciCount
        let size = longProfileCount == nil ? batchSize : max(batchSize, count / 64)
        return stride(from: UInt64(0), to: count, by: Int(size)).map { Batch(seeds: $0..<min($0 + size, count)) }
    }
}
