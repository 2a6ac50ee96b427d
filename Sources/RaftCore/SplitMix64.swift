/// A tiny seeded PRNG (SplitMix64, Steele, Lea & Flood 2014) for election jitter.
///
/// The core never touches the system RNG: the same seed replays the same run, which is
/// what the deterministic simulation relies on.
struct SplitMix64: Sendable {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A value in `0..<bound`. NB: plain modulo; the bias is irrelevant for jitter.
    mutating func next(below bound: UInt64) -> UInt64 {
        precondition(bound > 0, "empty range")
        return next() % bound
    }
}
