import Foundation
import RaftCore
import StateStore
import Synchronization
import Testing

@Suite("Checkpoints taken while entries are applied")
struct CheckpointWhileApplyingTests {
    /// Herald's state store: no write-ahead log, so memtables are flushed atomically; a
    /// small memtable, so flushes happen while the writer runs.
    private func openHeraldLikeStore(_ path: String) throws -> StateStore {
        try StateStore(path: path, options: StateStoreOptions(columnFamilies: testFamilies, writeBufferSize: 256 << 10,
                                                              writeAheadLog: false))
    }

    @Test("each checkpoint holds exactly the batches up to the applied index it reports")
    func checkpointsAreConsistentCuts() throws {
        let dir = TemporaryDirectory()
        let store = try openHeraldLikeStore(dir.file("db"))
        let total: UInt64 = 3000
        let writer = WriterProgress()
        Thread {
            do {
                try fill(store, entries: 1...total)
            } catch {
                writer.error.withLock { $0 = error }
            }
            writer.finished.store(true, ordering: .releasing)
        }.start()

        var indexes: [LogIndex] = []
        repeat {
            let path = dir.file("checkpoint-\(indexes.count)")
            indexes.append(try StoredSnapshot.checkpointWhileApplying(store, into: path))
        } while !writer.finished.load(ordering: .acquiring)
        #expect(writer.error.withLock { $0 } == nil)

        for (number, index) in indexes.enumerated() {
            let copy = try openStore(dir.file("checkpoint-\(number)"))
            #expect(try copy.appliedIndex() == index)
            // Every batch up to the index is there, whole; none after it.
            for entry in stride(from: UInt64(1), through: index.rawValue, by: 1) {
                let body = try copy.get(bytes("msg/\(entry)"), in: "bodies")
                let queued = try copy.get(bytes("q/\(entry)"), in: "queue")
                #expect(body?.count == 2000 && queued != nil, "checkpoint \(number) at \(index) lacks entry \(entry)")
                if body == nil || queued == nil { break }
            }
            let next = index.rawValue + 1
            #expect(try copy.get(bytes("msg/\(next)"), in: "bodies") == nil)
            #expect(try copy.get(bytes("q/\(next)"), in: "queue") == nil)
        }
        #expect(try store.appliedIndex() == LogIndex(total))
    }

    @Test("reading a checkpoint's index leaves its files as they were")
    func readingTheIndexChangesNothing() throws {
        let dir = TemporaryDirectory()
        let store = try openHeraldLikeStore(dir.file("db"))
        try fill(store, entries: 1...20)
        let path = dir.file("checkpoint")
        #expect(try StoredSnapshot.checkpointWhileApplying(store, into: path) == LogIndex(20))
        let before = try FileManager.default.contentsOfDirectory(atPath: path).sorted()
        #expect(try StateStore.appliedIndex(ofCheckpoint: path) == LogIndex(20))
        #expect(try FileManager.default.contentsOfDirectory(atPath: path).sorted() == before)
    }

    @Test("a directory that is not a store is refused with RocksDB's reason")
    func notAStore() throws {
        let dir = TemporaryDirectory()
        #expect(throws: StateStoreError.self) { try StateStore.appliedIndex(ofCheckpoint: dir.file("missing")) }
    }
}

/// What the writer thread of a test reports.
private final class WriterProgress: Sendable {
    let finished = Atomic(false)
    let error = Mutex<(any Error)?>(nil)
}
