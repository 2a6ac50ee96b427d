/// A 64-bit FNV-1a digest whose value is stable across processes and toolchains
/// (unlike `Hasher`, which is seeded per process).
///
/// The simulation folds every trace event into one, so two runs of a seed can be
/// compared without keeping their whole traces, and the applied state machine chains
/// one per applied entry so that snapshots can be checked against the history.
public struct StableDigest: Hashable, Sendable, CustomStringConvertible {
    /// The digest so far.
    public private(set) var value: UInt64

    /// Creates an empty digest, or one that continues from `value`.
    /// - Parameter value: a previous digest's value to chain from.
    public init(value: UInt64 = 0xCBF2_9CE4_8422_2325) { self.value = value }

    /// Folds one byte in.
    /// - Parameter byte: the byte.
    public mutating func combine(_ byte: UInt8) {
        value = (value ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
    }

    /// Folds a 64-bit integer in, little-endian.
    /// - Parameter word: the integer.
    public mutating func combine(_ word: UInt64) {
        var remaining = word
        for _ in 0..<8 {
            combine(UInt8(truncatingIfNeeded: remaining))
            remaining >>= 8
        }
    }

    /// Folds bytes in, preceded by their count so that adjacent fields cannot alias.
    /// - Parameter bytes: the bytes.
    public mutating func combine(_ bytes: [UInt8]) {
        combine(UInt64(bytes.count))
        for byte in bytes { combine(byte) }
    }

    /// Folds a string's UTF-8 bytes in.
    /// - Parameter text: the string.
    public mutating func combine(_ text: String) {
        combine(Array(text.utf8))
    }

    /// The digest as 16 hex digits.
    public var description: String {
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
