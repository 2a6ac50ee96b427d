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

    /// Two independent 64-bit lanes over `bytes`, eight bytes (little-endian) per step,
    /// continuing from `seed`; the tail is zero-padded and the length mixed in, so inputs
    /// of different lengths differ. Fast enough to run over every applied command.
    /// - Parameters:
    ///   - bytes: the input.
    ///   - seed: the two lanes' starting state.
    /// - Returns: both lanes, each finalised.
    public static func lanes128(_ bytes: UnsafeRawBufferPointer, seed: (UInt64, UInt64)) -> (UInt64, UInt64) {
        var first = seed.0 ^ 0x9e37_79b9_7f4a_7c15
        var second = seed.1 ^ 0xc2b2_ae3d_27d4_eb4f
        let wholeWords = bytes.count / 8
        for word in 0..<wholeWords {
            let value = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: word * 8, as: UInt64.self))
            first = (first ^ value) &* 0xff51_afd7_ed55_8ccd
            first = (first << 29) | (first >> 35)
            second = (second &+ value) &* 0xc4ce_b9fe_1a85_ec53
            second = (second << 31) | (second >> 33)
        }
        var tail: UInt64 = 0
        for offset in stride(from: bytes.count - 1, through: wholeWords * 8, by: -1) {
            tail = tail << 8 | UInt64(bytes[offset])
        }
        let length = UInt64(bytes.count)
        first = (first ^ tail) &* 0xff51_afd7_ed55_8ccd
        second = (second &+ tail) &* 0xc4ce_b9fe_1a85_ec53
        return (finalise(first ^ length), finalise(second ^ (length << 1) ^ first))
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
