/// A Bloom filter over byte strings: `mayContain` is false only for keys never
/// inserted. Sized for `capacity` keys at about 1 % false positives; past that it still
/// answers correctly, with more false positives (`isOverfull` says when to rebuild).
struct KeyBloomFilter {
    private var words: [UInt64]
    private let bitCount: UInt64
    /// The number of keys the filter was sized for.
    let capacity: Int
    /// Keys inserted so far (a key inserted twice counts twice).
    private(set) var count = 0

    private static let bitsPerKey = 10
    private static let probes = 7

    /// An empty filter for about `capacity` keys.
    init(capacity: Int) {
        self.capacity = max(capacity, 1024)
        let bits = self.capacity * Self.bitsPerKey
        words = Array(repeating: 0, count: (bits + 63) / 64)
        bitCount = UInt64(words.count * 64)
    }

    /// True once more keys were inserted than the filter was sized for.
    var isOverfull: Bool { count > capacity }

    /// Adds a key.
    mutating func insert(_ key: UnsafeRawBufferPointer) {
        var (h1, h2) = Self.hashes(key)
        for _ in 0..<Self.probes {
            let bit = h1 % bitCount
            words[Int(bit >> 6)] |= 1 << (bit & 63)
            h1 &+= h2
        }
        count += 1
    }

    /// False if `key` was certainly never inserted.
    func mayContain(_ key: UnsafeRawBufferPointer) -> Bool {
        var (h1, h2) = Self.hashes(key)
        for _ in 0..<Self.probes {
            let bit = h1 % bitCount
            if words[Int(bit >> 6)] & (1 << (bit & 63)) == 0 { return false }
            h1 &+= h2
        }
        return true
    }

    /// Two independent-enough 64-bit hashes for double hashing (Kirsch–Mitzenmacher).
    private static func hashes(_ key: UnsafeRawBufferPointer) -> (UInt64, UInt64) {
        var a: UInt64 = 0x9E37_79B9_7F4A_7C15
        var b: UInt64 = 0xC2B2_AE3D_27D4_EB4F ^ UInt64(key.count)
        for byte in key {
            a = (a ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
            b = (b &+ UInt64(byte)) &* 0xFF51_AFD7_ED55_8CCD
        }
        a ^= a >> 29
        b ^= b >> 31
        return (a, b | 1)
    }
}
