/// The simulation's only source of randomness: xoshiro256** seeded through SplitMix64.
///
/// Every choice the simulator makes (delays, drops, faults, which node crashes) draws
/// from one of these, so a seed replays a run exactly. The algorithms are written out
/// here rather than taken from the standard library's `random(in:using:)` helpers so
/// that the sequence cannot change with a toolchain upgrade.
public struct SimulationRandom: RandomNumberGenerator, Sendable {
    private var state: (UInt64, UInt64, UInt64, UInt64)

    /// Creates a generator whose whole sequence is determined by `seed`.
    /// - Parameter seed: any value, including 0.
    public init(seed: UInt64) {
        var splitMix = seed
        func nextSplitMix() -> UInt64 {
            splitMix &+= 0x9E37_79B9_7F4A_7C15
            var z = splitMix
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (nextSplitMix(), nextSplitMix(), nextSplitMix(), nextSplitMix())
    }

    /// The next 64 random bits.
    /// - Returns: a uniformly distributed value.
    public mutating func next() -> UInt64 {
        let result = rotateLeft(state.1 &* 5, by: 7) &* 9
        let shifted = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= shifted
        state.3 = rotateLeft(state.3, by: 45)
        return result
    }

    /// A uniform value in `0..<bound` (Lemire's multiply-shift with rejection).
    /// - Parameter bound: the exclusive upper bound; MUST be positive.
    /// - Returns: the value.
    public mutating func below(_ bound: Int) -> Int {
        precondition(bound > 0, "below(\(bound)) has no values")
        let limit = UInt64(bound)
        let threshold = (0 &- limit) % limit
        while true {
            let product = next().multipliedFullWidth(by: limit)
            if product.low >= threshold { return Int(product.high) }
        }
    }

    /// A uniform value in `range`.
    /// - Parameter range: a non-empty closed range.
    /// - Returns: the value.
    public mutating func int(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + below(range.upperBound - range.lowerBound + 1)
    }

    /// True with probability `probability` (in parts per million, to stay exact).
    /// - Parameter probability: the chance, 0 (never) to 1 (always).
    /// - Returns: whether the event happens.
    public mutating func chance(_ probability: Double) -> Bool {
        if probability <= 0 { return false }
        if probability >= 1 { return true }
        return below(1_000_000) < Int(probability * 1_000_000)
    }

    /// One element of `elements`, or nil when it is empty.
    /// - Parameter elements: the candidates, in a deterministic order.
    /// - Returns: the chosen element.
    public mutating func pick<Element>(_ elements: [Element]) -> Element? {
        elements.isEmpty ? nil : elements[below(elements.count)]
    }

    private func rotateLeft(_ value: UInt64, by amount: UInt64) -> UInt64 {
        (value << amount) | (value >> (64 - amount))
    }
}
