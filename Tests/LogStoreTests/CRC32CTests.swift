@testable import Checksums
import Testing

@Suite("CRC-32C")
struct CRC32CTests {
    @Test("matches the RFC 3720 and check-value test vectors")
    func knownVectors() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum((0..<32).map { UInt8($0) }) == 0x46DD_794E)
        #expect(CRC32C.checksum((0..<32).map { UInt8(31 - $0) }) == 0x113F_DB5C)
        #expect(CRC32C.checksum([UInt8]()) == 0)
    }

    @Test("slicing-by-8 agrees with the bitwise definition on every length and alignment")
    func agreesWithBitwise() {
        var generator = SeededGenerator(seed: 7)
        let data = (0..<300).map { _ in UInt8.random(in: 0...255, using: &generator) }
        for start in 0..<9 {
            for end in stride(from: start, through: data.count, by: 7) {
                let slice = Array(data[start..<end])
                #expect(CRC32C.checksum(slice) == bitwise(slice))
            }
        }
    }

    @Test("the CPU instruction path and the table path agree on every length, alignment and running value")
    func hardwareAgreesWithTables() {
        var generator = SeededGenerator(seed: 11)
        let data = (0..<1_100).map { _ in UInt8.random(in: 0...255, using: &generator) }
        data.withUnsafeBytes { all in
            for start in 0..<9 {
                for end in stride(from: start, through: all.count, by: 13) {
                    let slice = UnsafeRawBufferPointer(rebasing: all[start..<end])
                    for running: UInt32 in [0, 0xDEAD_BEEF] {
                        #expect(CRC32C.update(running, with: slice) == CRC32C.updateUsingTables(running, with: slice))
                    }
                }
            }
        }
        print("CRC-32C uses the CPU instruction: \(CRC32C.usesHardware)")
    }

    @Test("combine gives the checksum of two strings joined, for every split and for long tails")
    func combineJoinsChecksums() {
        var generator = SeededGenerator(seed: 13)
        let data = (0..<700).map { _ in UInt8.random(in: 0...255, using: &generator) }
        for split in Array(stride(from: 0, through: data.count, by: 11)) + [data.count] {
            let head = Array(data[..<split]), tail = Array(data[split...])
            let joined = CRC32C.combine(CRC32C.checksum(head), CRC32C.checksum(tail), length: UInt64(tail.count))
            #expect(joined == CRC32C.checksum(data), "split at \(split)")
        }
        // A tail of several MiB sets high bits of the length.
        let long = (0..<(3 << 20) + 5).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 9) }
        let prefix = Array(data[..<100])
        #expect(CRC32C.combine(CRC32C.checksum(prefix), CRC32C.checksum(long), length: UInt64(long.count))
                == CRC32C.checksum(prefix + long))
        // Folding many pieces left to right, as a snapshot's total is folded from its files.
        var folded: UInt32 = 0
        var start = 0
        for size in [0, 1, 7, 64, 0, 300, 328] {
            let piece = Array(data[start..<start + size])
            folded = CRC32C.combine(folded, CRC32C.checksum(piece), length: UInt64(size))
            start += size
        }
        #expect(folded == CRC32C.checksum(data))
    }

    @Test("update continues a running checksum")
    func incremental() {
        let data = Array("The quick brown fox jumps over the lazy dog".utf8)
        let first = data.withUnsafeBytes { CRC32C.update(0, with: UnsafeRawBufferPointer(rebasing: $0[0..<10])) }
        let whole = data.withUnsafeBytes { CRC32C.update(first, with: UnsafeRawBufferPointer(rebasing: $0[10...])) }
        #expect(whole == CRC32C.checksum(data))
    }

    private func bitwise(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        }
        return ~crc
    }
}
