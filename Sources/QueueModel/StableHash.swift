/// Hashes whose values never change across runs, platforms or Swift versions (unlike
/// `Hasher`, which is seeded per process). Used for partitioning and `StateDigest`.
///
/// NB: not cryptographic. They detect divergence and spread keys; they do not resist
/// an adversary choosing inputs.
public enum StableHash {
    /// The FNV-1a 64-bit offset basis.
    public static let fnvOffsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325
    /// The FNV-1a 64-bit prime.
    static let fnvPrime: UInt64 = 0x0000_0100_0000_01b3

    /// FNV-1a, 64 bits.
    /// - Parameters:
    ///   - bytes: the input.
    ///   - seed: the starting state; the standard offset basis by default.
    /// - Returns: the hash.
    public static func fnv1a64(_ bytes: some Sequence<UInt8>, seed: UInt64 = fnvOffsetBasis) -> UInt64 {
        var hash = seed
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* fnvPrime
        }
        return hash
    }

    /// A second, independent 64-bit lane: multiply-rotate per byte, then the SplitMix64
    /// finaliser. Combined with `fnv1a64` it gives `StateDigest` 128 bits.
    /// - Parameters:
    ///   - bytes: the input.
    ///   - seed: the starting state.
    /// - Returns: the hash.
    public static func mix64(_ bytes: some Sequence<UInt8>, seed: UInt64) -> UInt64 {
        var hash = seed ^ 0x9e37_79b9_7f4a_7c15
        var length: UInt64 = 0
        for byte in bytes {
            hash = (hash ^ UInt64(byte)) &* 0xff51_afd7_ed55_8ccd
            hash = (hash << 29) | (hash >> 35)
            length &+= 1
        }
        return finalise(hash ^ length)
    }

    /// The SplitMix64 finaliser: spreads every input bit over every output bit.
    /// - Parameter value: the input.
    /// - Returns: the mixed value.
    public static func finalise(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9e37_79b9_7f4a_7c15
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
