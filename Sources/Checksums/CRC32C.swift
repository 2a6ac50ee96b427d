internal import CCRC32C

/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of every log
/// record, metadata file and snapshot chunk.
///
/// On x86-64 with SSE 4.2 the CPU's `crc32` instruction does the work, eight bytes at
/// a time (about ten times faster: snapshots checksum every file they hold). Elsewhere,
/// slicing-by-8: eight 256-entry tables let the loop consume eight bytes per step.
public enum CRC32C {
    /// Whether this CPU's CRC-32C instruction is used.
    public static let usesHardware = herald_crc32c_hardware_available() != 0

    /// `tables[k * 256 + b]`: the CRC of byte `b` followed by `k` zero bytes.
    private static let tables: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 8 * 256)
        for byte in 0..<256 {
            var crc = UInt32(byte)
            for _ in 0..<8 { crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
            table[byte] = crc
        }
        for byte in 0..<256 {
            var crc = table[byte]
            for slice in 1..<8 {
                crc = table[Int(crc & 0xFF)] ^ (crc >> 8)
                table[slice * 256 + byte] = crc
            }
        }
        return table
    }()

    /// Computes the checksum of `bytes`.
    /// - Parameter bytes: the data.
    /// - Returns: the CRC-32C of `bytes`.
    public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        update(0, with: bytes)
    }

    /// Computes the checksum of `bytes`.
    /// - Parameter bytes: the data.
    /// - Returns: the CRC-32C of `bytes`.
    public static func checksum(_ bytes: some Collection<UInt8>) -> UInt32 {
        if let fast = bytes.withContiguousStorageIfAvailable({ checksum(UnsafeRawBufferPointer($0)) }) {
            return fast
        }
        return Array(bytes).withUnsafeBytes { checksum($0) }
    }

    /// Extends a running checksum: `update(checksum(a), with: b) == checksum(a + b)`.
    /// - Parameters:
    ///   - crc: the checksum of the bytes before `bytes` (0 for none).
    ///   - bytes: the next bytes.
    /// - Returns: the checksum of everything so far.
    public static func update(_ crc: UInt32, with bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard usesHardware else { return updateUsingTables(crc, with: bytes) }
        guard let base = bytes.baseAddress else { return crc }
        return ~herald_crc32c_hardware(~crc, base, bytes.count)
    }

    /// The checksum of two byte strings one after the other, from their checksums:
    /// `combine(checksum(a), checksum(b), length: b.count) == checksum(a + b)`. Costs
    /// about 64 multiplications in GF(2) per set bit of `length`, not a pass over the
    /// bytes: a snapshot's whole-snapshot checksum is folded from its files' checksums.
    /// - Parameters:
    ///   - first: the checksum of the leading bytes.
    ///   - second: the checksum of the trailing bytes.
    ///   - length: how many trailing bytes there are.
    /// - Returns: the checksum of both together.
    public static func combine(_ first: UInt32, _ second: UInt32, length: UInt64) -> UInt32 {
        // Appending `length` bytes multiplies the first register by x^(8·length) modulo
        // the polynomial (the pre- and post-inversions cancel out: they are the same for
        // both checksums and for the whole).
        multiplyModulo(powerOfX(eightTimes: length), first) ^ second
    }

    /// The reflected polynomial.
    private static let polynomial: UInt32 = 0x82F6_3B78

    /// `squares[k]` is x^(2^k) modulo the polynomial, in reflected bit order (x^0 is bit
    /// 31), for every k that `powerOfX` can reach (3 up to 3 + 63).
    private static let squares: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 67)
        var power: UInt32 = 1 << 30  // x^1
        for k in 0..<67 {
            table[k] = power
            power = multiplyModulo(power, power)
        }
        return table
    }()

    /// `a · b` modulo the polynomial, both reflected.
    private static func multiplyModulo(_ a: UInt32, _ b: UInt32) -> UInt32 {
        var product: UInt32 = 0
        var b = b
        var bit: UInt32 = 1 << 31
        while bit != 0 {
            if a & bit != 0 { product ^= b }
            b = b & 1 != 0 ? (b >> 1) ^ polynomial : b >> 1
            bit >>= 1
        }
        return product
    }

    /// x^(8·length) modulo the polynomial.
    private static func powerOfX(eightTimes length: UInt64) -> UInt32 {
        var result: UInt32 = 1 << 31  // x^0
        var remaining = length
        var k = 3  // 8·length = length · 2^3
        while remaining != 0 {
            if remaining & 1 != 0 { result = multiplyModulo(squares[k], result) }
            remaining >>= 1
            k += 1
        }
        return result
    }

    /// `update` without the CPU instruction (the portable path, kept for tests).
    static func updateUsingTables(_ crc: UInt32, with bytes: UnsafeRawBufferPointer) -> UInt32 {
        tables.withUnsafeBufferPointer { t in
            var crc = ~crc
            var index = 0
            let count = bytes.count
            while count - index >= 8 {
                let low = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: index, as: UInt32.self)) ^ crc
                let high = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: index + 4, as: UInt32.self))
                crc = t[7 * 256 + Int(low & 0xFF)] ^ t[6 * 256 + Int((low >> 8) & 0xFF)]
                    ^ t[5 * 256 + Int((low >> 16) & 0xFF)] ^ t[4 * 256 + Int(low >> 24)]
                    ^ t[3 * 256 + Int(high & 0xFF)] ^ t[2 * 256 + Int((high >> 8) & 0xFF)]
                    ^ t[1 * 256 + Int((high >> 16) & 0xFF)] ^ t[Int(high >> 24)]
                index += 8
            }
            while index < count {
                crc = t[Int((crc ^ UInt32(bytes[index])) & 0xFF)] ^ (crc >> 8)
                index += 1
            }
            return ~crc
        }
    }
}
