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
