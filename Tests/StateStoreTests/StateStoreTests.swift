import Foundation
import RaftCore
import StateStore
import Testing

@Suite("StateStore")
struct StateStoreTests {
    @Test("a batch across column families is applied atomically with the applied index")
    func atomicBatches() throws {
        let dir = TemporaryDirectory()
        let store = try openStore(dir.file("db"))
        var batch = WriteBatch()
        batch.put(bytes("body"), for: bytes("m1"), in: "bodies")
        batch.put(bytes("queued"), for: bytes("q/m1"), in: "queue")
        try store.apply(batch: batch, appliedIndex: LogIndex(7), sync: true)
        #expect(try store.get(bytes("m1"), in: "bodies") == bytes("body"))
        #expect(try store.get(bytes("q/m1"), in: "queue") == bytes("queued"))
        #expect(try store.appliedIndex() == LogIndex(7))

        // A batch naming an unknown family is refused before anything is written.
        var bad = WriteBatch()
        bad.put(bytes("x"), for: bytes("m2"), in: "bodies")
        bad.put(bytes("x"), for: bytes("m2"), in: "nope")
        #expect(throws: StateStoreError.unknownColumnFamily("nope")) { try store.apply(batch: bad, appliedIndex: LogIndex(8)) }
        #expect(try store.get(bytes("m2"), in: "bodies") == nil)
        #expect(try store.appliedIndex() == LogIndex(7))

        var delete = WriteBatch()
        delete.delete(bytes("q/m1"), in: "queue")
        try store.apply(batch: delete, appliedIndex: LogIndex(8))
        #expect(try store.get(bytes("q/m1"), in: "queue") == nil)
        #expect(try store.get(bytes("m1"), in: "bodies") == bytes("body"))
    }

    @Test("column families are isolated and survive reopening")
    func familyIsolation() throws {
        let dir = TemporaryDirectory()
        do {
            let store = try openStore(dir.file("db"))
            var batch = WriteBatch()
            batch.put(bytes("a"), for: bytes("k"), in: "queue")
            batch.put(bytes("b"), for: bytes("k"), in: "suppression")
            try store.write(batch, sync: true)
            #expect(try store.get(bytes("k"), in: "queue") == bytes("a"))
            #expect(try store.get(bytes("k"), in: "suppression") == bytes("b"))
            #expect(try store.get(bytes("k"), in: "bodies") == nil)
        }
        // Reopening without naming the families still opens them (they exist on disk).
        let reopened = try StateStore(path: dir.file("db"), options: StateStoreOptions(columnFamilies: []))
        #expect(Set(reopened.columnFamilyNames).isSuperset(of: ["default", "meta", "bodies", "queue", "suppression"]))
        #expect(try reopened.get(bytes("k"), in: "suppression") == bytes("b"))
    }

    @Test("prefix scans return exactly the keys with the prefix, in order, up to the limit")
    func prefixIteration() throws {
        let dir = TemporaryDirectory()
        let store = try openStore(dir.file("db"))
        var batch = WriteBatch()
        for key in ["a/1", "b/1", "b/2", "b/3", "ba", "c/1"] { batch.put(bytes(key.uppercased()), for: bytes(key), in: "queue") }
        try store.write(batch)
        let scanned = try store.scan(prefix: bytes("b/"), in: "queue")
        #expect(scanned.map(\.key) == [bytes("b/1"), bytes("b/2"), bytes("b/3")])
        #expect(scanned.map(\.value) == [bytes("B/1"), bytes("B/2"), bytes("B/3")])
        #expect(try store.scan(prefix: bytes("b"), in: "queue", limit: 2).count == 2)
        #expect(try store.scan(prefix: bytes("z"), in: "queue").isEmpty)
        #expect(try store.scan(prefix: [], in: "queue").count == 6)
    }

    @Test("the last key and the walk over every key follow key order, deletes included")
    func lastKeyAndKeyWalk() throws {
        let dir = TemporaryDirectory()
        let store = try openStore(dir.file("db"))
        #expect(try store.lastKey(in: "queue") == nil)
        var batch = WriteBatch()
        for key in ["b", "a", "d", "c"] { batch.put(bytes("v"), for: bytes(key), in: "queue") }
        batch.put(bytes("v"), for: bytes("z"), in: "bodies")
        try store.apply(batch: batch, appliedIndex: LogIndex(1))
        #expect(try store.lastKey(in: "queue") == bytes("d"))
        var delete = WriteBatch()
        delete.delete(bytes("d"), in: "queue")
        try store.apply(batch: delete, appliedIndex: LogIndex(2))
        #expect(try store.lastKey(in: "queue") == bytes("c"))
        var walked: [String] = []
        try store.forEachKey(in: "queue") { walked.append(String(decoding: $0, as: UTF8.self)) }
        #expect(walked == ["a", "b", "c"])
        #expect(throws: StateStoreError.unknownColumnFamily("nope")) { try store.lastKey(in: "nope") }
    }

    @Test("compactions run at the lowest CPU priority, flushes at normal priority")
    func backgroundWorkYields() throws {
        let dir = TemporaryDirectory()
        let store = try openStore(dir.file("db"))
        // Five flushed files in one family: RocksDB compacts them (its trigger is four).
        for round in 1...5 {
            var batch = WriteBatch()
            batch.put(bytes("v\(round)"), for: bytes("k\(round)"), in: "queue")
            try store.apply(batch: batch, appliedIndex: LogIndex(UInt64(round)))
            try store.flush()
        }
        // A RocksDB pool thread sets its own priority when it takes its next job.
        let deadline = ContinuousClock.now + .seconds(10)
        var compactionThreadNice: Int?
        while compactionThreadNice != 19 && ContinuousClock.now < deadline {
            compactionThreadNice = rocksdbThreadNice(named: "rocksdb:low")
            if compactionThreadNice != 19 { Thread.sleep(forTimeInterval: 0.02) }
        }
        #expect(compactionThreadNice == 19)
        // Writes wait for flushes when memtables fill: a starved flush thread stopped
        // the whole cluster on a saturated machine.
        #expect(rocksdbThreadNice(named: "rocksdb:high") == 0)
    }

    @Test("a read snapshot keeps seeing the old data after later writes")
    func snapshotReads() throws {
        let dir = TemporaryDirectory()
        let store = try openStore(dir.file("db"))
        try fill(store, entries: 1...3)
        let snapshot = store.readSnapshot()
        var batch = WriteBatch()
        batch.put(bytes("changed"), for: bytes("q/1"), in: "queue")
        batch.delete(bytes("q/2"), in: "queue")
        batch.put(bytes("new"), for: bytes("q/9"), in: "queue")
        try store.apply(batch: batch, appliedIndex: LogIndex(4))
        #expect(try snapshot.get(bytes("q/1"), in: "queue") == bytes("pending"))
        #expect(try snapshot.get(bytes("q/2"), in: "queue") == bytes("pending"))
        #expect(try snapshot.scan(prefix: bytes("q/"), in: "queue").count == 3)
        #expect(try snapshot.appliedIndex() == LogIndex(3))
        #expect(try store.get(bytes("q/1"), in: "queue") == bytes("changed"))
        #expect(try store.scan(prefix: bytes("q/"), in: "queue").count == 3)
        #expect(try store.appliedIndex() == LogIndex(4))
    }

    @Test("a checkpoint opens as an independent store with the same state")
    func checkpointAndReopen() throws {
        let dir = TemporaryDirectory()
        let store = try openStore(dir.file("db"))
        try fill(store, entries: 1...50)
        try store.checkpoint(to: dir.file("checkpoint"))
        try fill(store, entries: 51...60)
        let copy = try openStore(dir.file("checkpoint"))
        #expect(try copy.appliedIndex() == LogIndex(50))
        #expect(try copy.get(bytes("msg/50"), in: "bodies") == [UInt8](repeating: 50, count: 2000))
        #expect(try copy.get(bytes("msg/51"), in: "bodies") == nil)
        #expect(try store.appliedIndex() == LogIndex(60))
        // A checkpoint directory must not exist yet: RocksDB's refusal surfaces as a typed error.
        #expect(throws: StateStoreError.self) { try store.checkpoint(to: dir.file("checkpoint")) }
    }

    @Test("bodies go to blob files")
    func bodiesInBlobFiles() throws {
        let dir = TemporaryDirectory()
        let store = try openStore(dir.file("db"))
        try fill(store, entries: 1...100, bodySize: 4000)
        try store.flush()
        let blobFiles = try FileManager.default.contentsOfDirectory(atPath: dir.file("db")).filter { $0.hasSuffix(".blob") }
        #expect(!blobFiles.isEmpty)
        #expect(try store.get(bytes("msg/42"), in: "bodies") == [UInt8](repeating: 42, count: 4000))
    }

    @Test("RocksDB errors surface as typed errors carrying RocksDB's message")
    func rocksDBErrorIsTyped() throws {
        let dir = TemporaryDirectory()
        _ = FileManager.default.createFile(atPath: dir.file("plain-file"), contents: Data("x".utf8))
        let error = #expect(throws: StateStoreError.self) { try openStore(dir.file("plain-file")) }
        guard case .rocksdb(let message)? = error else {
            Issue.record("expected .rocksdb, got \(String(describing: error))")
            return
        }
        #expect(!message.isEmpty)
        #expect(error?.description.hasPrefix("rocksdb: ") == true)
    }
}

/// The highest nice value among this process's threads whose name starts with `prefix`,
/// from /proc/self/task/<tid>/stat (field 19).
private func rocksdbThreadNice(named prefix: String) -> Int? {
    guard let tasks = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task") else { return nil }
    var highest: Int?
    for task in tasks {
        guard let name = try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8),
              name.hasPrefix(prefix),
              let stat = try? String(contentsOfFile: "/proc/self/task/\(task)/stat", encoding: .utf8),
              let afterName = stat.range(of: ") ", options: .backwards)
        else { continue }
        // Fields after the name start at field 3 (state); nice is field 19.
        let fields = stat[afterName.upperBound...].split(separator: " ")
        if fields.count > 16, let nice = Int(fields[16]) { highest = max(highest ?? nice, nice) }
    }
    return highest
}
