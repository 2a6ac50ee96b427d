import Foundation
import RaftCore
import StateStore

/// (c) The state-machine write pattern: per applied entry one atomic batch with the
/// message body (blob CF), a queue key, a recipient index key and the applied index.
struct StateStoreBench {
    let directory: String
    let entries: Int
    let arguments: BenchArguments

    struct Result {
        var label: String
        var entriesPerSecond: Double
        var userBytes: Int
        var diskBytes: Int
        var seconds: Double
        var statistics: [String: Int]
    }

    func run() throws -> String {
        let results = [
            try measure(label: "bodies in blob files (1 KiB)", bodyBytes: 1024, blob: true),
            try measure(label: "bodies in the LSM tree (1 KiB)", bodyBytes: 1024, blob: false),
            try measure(label: "bodies in blob files (8 KiB)", bodyBytes: 8192, blob: true, entries: entries / 8),
            try measure(label: "bodies in the LSM tree (8 KiB)", bodyBytes: 8192, blob: false, entries: entries / 8),
        ]
        var text = "## (c) StateStore, one batch per applied entry (body + 2 index keys + applied index), WAL not fsynced\n\n"
        text += "| configuration | entries/s | user MB/s | user MB | disk MB written | write amplification | WAL / flush / compaction / blob MB |\n|---|---:|---:|---:|---:|---:|---|\n"
        for r in results {
            let mb = { (bytes: Int) in format(Double(bytes) / 1_000_000, 1) }
            let breakdown = [r.statistics["rocksdb.wal.bytes"], r.statistics["rocksdb.flush.write.bytes"],
                             r.statistics["rocksdb.compact.write.bytes"], r.statistics["rocksdb.blobdb.blob.file.bytes.written"]]
                .map { $0.map(mb) ?? "?" }.joined(separator: " / ")
            text += "| \(r.label) | \(format(r.entriesPerSecond, 0)) | \(format(Double(r.userBytes) / r.seconds / 1_000_000, 1)) | \(mb(r.userBytes)) | \(mb(r.diskBytes)) | \(format(Double(r.diskBytes) / Double(r.userBytes), 2)) | \(breakdown) |\n"
        }
        text += "\nwrite amplification = bytes this process sent to the block layer (/proc/self/io write_bytes, after a final flush and with compactions finished) / bytes of keys and values written.\n"
        return text
    }

    private func measure(label: String, bodyBytes: Int, blob: Bool, entries: Int? = nil) throws -> Result {
        let count = entries ?? self.entries
        let path = directory + "/state-\(blob)-\(bodyBytes)"
        let options = StateStoreOptions(columnFamilies: ["bodies", "queue", "recipients"], blobFamilies: blob ? ["bodies"] : [],
                                        writeBufferSize: 16 << 20, enableStatistics: true)
        let store = try StateStore(path: path, options: options)
        let before = Self.processWriteBytes()
        var userBytes = 0
        let clock = ContinuousClock()
        let start = clock.now
        // Incompressible, distinct bodies: SST blocks are LZ4-compressed as a whole, so
        // bodies that repeat would collapse and flatter the LSM tree.
        var generator = UInt64(0x2545_F491_4F6C_DD1D)
        var body = [UInt8](repeating: 0, count: bodyBytes)
        for index in 1...count {
            body.withUnsafeMutableBytes { raw in
                for offset in stride(from: 0, to: raw.count - 7, by: 8) {
                    generator ^= generator << 13; generator ^= generator >> 7; generator ^= generator << 17
                    raw.storeBytes(of: generator, toByteOffset: offset, as: UInt64.self)
                }
            }
            // Random (UUIDv4-like) message ids: the LSM's worst case. Time-ordered ids make
            // every flush a trivial move and hide the difference blob files make.
            let id = Self.hex(Self.mix(UInt64(index)))
            var batch = WriteBatch()
            let bodyKey = Array("m/\(id)".utf8)
            let queueKey = Array("q/5/\(1_700_000_000 + index / 100)/\(id)".utf8)
            let queueValue = Array("pending:attempt=0:next=0".utf8)
            let recipientKey = Array("r/example.com/\(id)".utf8)
            batch.put(body, for: bodyKey, in: "bodies")
            batch.put(queueValue, for: queueKey, in: "queue")
            batch.put([], for: recipientKey, in: "recipients")
            userBytes += bodyKey.count + body.count + queueKey.count + queueValue.count + recipientKey.count + 13 + 8
            try store.apply(batch: batch, appliedIndex: LogIndex(UInt64(index)))
        }
        let elapsed = (clock.now - start).seconds
        try store.flush()
        let settleDeadline = clock.now + .seconds(120)
        var quietPolls = 0
        while clock.now < settleDeadline && quietPolls < 5 {
            let running = Int(store.property("rocksdb.num-running-compactions") ?? "0") ?? 0
            let pending = store.columnFamilyNames.reduce(0) { sum, family in
                sum + (Int(store.property("rocksdb.compaction-pending", family: family) ?? "0") ?? 0)
            }
            quietPolls = running == 0 && pending == 0 ? quietPolls + 1 : 0
            Thread.sleep(forTimeInterval: 0.1)  // polling RocksDB's background work, with a deadline
        }
        let levels = store.property("rocksdb.levelstats", family: "bodies") ?? ""
        let diskBytes = Self.processWriteBytes() - before
        let statistics = Self.parse(store.statistics() ?? "")
        if arguments.verbose { print("\(label): bodies CF levels\n\(levels)") }
        return Result(label: label, entriesPerSecond: Double(count) / elapsed, userBytes: userBytes,
                      diskBytes: diskBytes, seconds: elapsed, statistics: statistics)
    }

    /// 16 lowercase hex digits.
    static func hex(_ value: UInt64) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8](repeating: 0, count: 16)
        for k in 0..<16 { out[15 - k] = digits[Int((value >> (4 * UInt64(k))) & 0xF)] }
        return String(decoding: out, as: UTF8.self)
    }

    /// SplitMix64's finalizer: a bijective scramble of the index.
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// `write_bytes` of /proc/self/io: bytes this process caused to be sent to storage.
    static func processWriteBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/io", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix("write_bytes:") {
            return Int(line.dropFirst("write_bytes:".count).trimmingCharacters(in: .whitespaces)) ?? 0
        }
        return 0
    }

    /// Ticker values of RocksDB's statistics dump (`name COUNT : value`).
    static func parse(_ statistics: String) -> [String: Int] {
        var result: [String: Int] = [:]
        for line in statistics.split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 4, parts[1] == "COUNT", let value = Int(parts[3]) { result[String(parts[0])] = value }
        }
        return result
    }
}
