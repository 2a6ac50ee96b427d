import Foundation
import RaftCore
import StateStore
import Testing

@Suite("StateStore per-family options")
struct FamilyOptionsTests {
    private static let options: StateStoreOptions = {
        var options = StateStoreOptions(columnFamilies: testFamilies)
        options.insertHintPrefixLengths = ["queue": 2]
        options.unfilteredFamilies = ["queue", "bodies"]
        options.level0CompactionTriggers = ["queue": 6]
        return options
    }()

    @Test("hinted inserts and families without Bloom filters still read back exactly, before and after a flush and a reopen")
    func hintedAndUnfilteredFamiliesReadExactly() throws {
        let dir = TemporaryDirectory()
        // Keys arrive per two-byte group mostly in order, groups interleaved, with some
        // out of order and some deleted: every insert position a hint can be wrong about.
        var expected: [[UInt8]: [UInt8]] = [:]
        do {
            let store = try StateStore(path: dir.file("db"), options: Self.options)
            for round in 0..<4 {
                var batch = WriteBatch()
                for sequence in [3, 1, 2, 0].map({ $0 + round * 4 }) {
                    for group in [7, 0, 255, 3] as [UInt8] {
                        let key: [UInt8] = [0, group, 0, UInt8(sequence)]
                        batch.put([group, UInt8(sequence)], for: key, in: "queue")
                        batch.put([UInt8](repeating: group, count: 300), for: key, in: "bodies")
                        expected[key] = [group, UInt8(sequence)]
                    }
                }
                batch.delete([0, 7, 0, UInt8(round * 4 + 1)], in: "queue")
                expected[[0, 7, 0, UInt8(round * 4 + 1)]] = nil
                try store.apply(batch: batch, appliedIndex: LogIndex(UInt64(round + 1)))
                if round == 1 { try store.flush() }
            }
            try expectContents(of: store, equal: expected)
            try store.flush()
            try expectContents(of: store, equal: expected)
        }
        let reopened = try StateStore(path: dir.file("db"), options: Self.options)
        try expectContents(of: reopened, equal: expected)
    }

    @Test("RocksDB records the hint and the missing filters for exactly the families named")
    func settingsReachRocksDB() throws {
        let dir = TemporaryDirectory()
        _ = try StateStore(path: dir.file("db"), options: Self.options)
        let optionFiles = try FileManager.default.contentsOfDirectory(atPath: dir.file("db"))
            .filter { $0.hasPrefix("OPTIONS-") }.sorted()
        let newest = try #require(optionFiles.last)
        let settings = try familySettings(in: String(contentsOfFile: dir.file("db/" + newest), encoding: .utf8))
        #expect(settings["queue"]?["memtable_insert_with_hint_prefix_extractor"] == "rocksdb.FixedPrefix.2")
        #expect(settings["bodies"]?["memtable_insert_with_hint_prefix_extractor"] == "nullptr")
        for family in ["queue", "bodies"] {
            #expect(settings[family]?["filter_policy"] == "nullptr")
            #expect(settings[family]?["memtable_whole_key_filtering"] == "false")
        }
        #expect(settings["suppression"]?["filter_policy"] == "bloomfilter")
        #expect(settings["suppression"]?["memtable_whole_key_filtering"] == "true")
        #expect(settings["bodies"]?["enable_blob_files"] == "true")
        #expect(settings["queue"]?["level0_file_num_compaction_trigger"] == "6")
        #expect(settings["queue"]?["level0_slowdown_writes_trigger"] == "22")
        #expect(settings["queue"]?["level0_stop_writes_trigger"] == "38")
        #expect(settings["suppression"]?["level0_file_num_compaction_trigger"] == "4")
    }

    @Test("a family with a higher level-0 trigger keeps its flushed files until it is reached; the others compact at four")
    func level0TriggerGathersFiles() throws {
        let dir = TemporaryDirectory()
        let store = try StateStore(path: dir.file("db"), options: Self.options)
        // Every flush spans both families' whole key range, as hash-partitioned keys do.
        func flushRound(_ round: Int) throws {
            var batch = WriteBatch()
            for partition in 0..<8 as Range<UInt8> {
                let key: [UInt8] = [0, partition, 0, UInt8(round)]
                batch.put([UInt8(round)], for: key, in: "queue")
                batch.put([UInt8(round)], for: key, in: "suppression")
            }
            try store.apply(batch: batch, appliedIndex: LogIndex(UInt64(round)))
            try store.flush()
        }
        for round in 1...5 { try flushRound(round) }
        waitForCompactions(in: store)
        #expect(level0Files(of: "queue", in: store) == 5)
        #expect((level0Files(of: "suppression", in: store) ?? .max) < 4)
        try flushRound(6)
        waitForCompactions(in: store)
        #expect(level0Files(of: "queue", in: store) == 0)
        #expect(try store.scan(prefix: [], in: "queue").count == 8 * 6)
    }
}

/// Files at level 0 of `family`, from RocksDB's property.
private func level0Files(of family: String, in store: StateStore) -> Int? {
    store.property("rocksdb.num-files-at-level0", family: family).flatMap { Int($0) }
}

/// Waits (10 s at most) until no compaction is running or due in any family.
private func waitForCompactions(in store: StateStore, sourceLocation: SourceLocation = #_sourceLocation) {
    let deadline = ContinuousClock.now + .seconds(10)
    func settled() -> Bool {
        store.property("rocksdb.num-running-compactions") == "0"
            && testFamilies.allSatisfy { store.property("rocksdb.compaction-pending", family: $0) == "0" }
    }
    while !settled() && ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.01) }
    #expect(settled(), "compactions still running after 10 s", sourceLocation: sourceLocation)
}

/// Checks every stored `queue` key and its body against `expected`: a scan per group and
/// a point read per key, plus reads of keys that were never written or were deleted.
private func expectContents(of store: StateStore, equal expected: [[UInt8]: [UInt8]],
                            sourceLocation: SourceLocation = #_sourceLocation) throws {
    let scanned = try store.scan(prefix: [], in: "queue")
    #expect(scanned.map(\.key) == expected.keys.sorted { $0.lexicographicallyPrecedes($1) }, sourceLocation: sourceLocation)
    for group in [0, 3, 7, 255] as [UInt8] {
        let inGroup = try store.scan(prefix: [0, group], in: "queue")
        #expect(inGroup.map(\.key) == expected.keys.filter { $0[1] == group }.sorted { $0.lexicographicallyPrecedes($1) },
                sourceLocation: sourceLocation)
    }
    for (key, value) in expected {
        #expect(try store.get(key, in: "queue") == value, sourceLocation: sourceLocation)
        #expect(try store.get(key, in: "bodies") == [UInt8](repeating: key[1], count: 300), sourceLocation: sourceLocation)
    }
    #expect(try store.get([0, 7, 0, 1], in: "queue") == nil, sourceLocation: sourceLocation)
    #expect(try store.get([0, 8, 0, 1], in: "queue") == nil, sourceLocation: sourceLocation)
    #expect(try store.get([0, 8, 0, 1], in: "bodies") == nil, sourceLocation: sourceLocation)
}

/// The `[CFOptions "name"]` and `[TableOptions/BlockBasedTable "name"]` sections of a
/// RocksDB OPTIONS file, merged per family, as name → key → value.
private func familySettings(in text: String) throws -> [String: [String: String]] {
    var settings: [String: [String: String]] = [:]
    var current: String?
    for line in text.split(separator: "\n") {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("[") {
            current = trimmed.hasPrefix("[CFOptions \"") || trimmed.hasPrefix("[TableOptions/BlockBasedTable \"")
                ? String(trimmed.split(separator: "\"")[1]) : nil
        } else if let current, let equals = trimmed.firstIndex(of: "=") {
            settings[current, default: [:]][String(trimmed[..<equals])] = String(trimmed[trimmed.index(after: equals)...])
        }
    }
    return settings
}
