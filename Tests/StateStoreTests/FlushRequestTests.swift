import Foundation
import RaftCore
@testable import StateStore
import Synchronization
import Testing

/// Asking for a flush without waiting must not wait for flushes already running: the
/// Raft loop asks when it starts a snapshot, and on a saturated machine waited seconds
/// for a starved flush thread, long enough to lose its leadership.
@Suite("Flush requests")
struct FlushRequestTests {
    @Test("startFlush returns while an earlier flush cannot finish")
    func startFlushDoesNotWaitForRunningFlushes() throws {
        let dir = TemporaryDirectory()
        let store = try StateStore(path: dir.file("db"), options: StateStoreOptions(
            columnFamilies: ["bodies", "queue"], writeAheadLog: false))
        store.setBackgroundWorkPaused(true)
        // Each request switches the memtables; none of their flushes can run. With the
        // memtables RocksDB allows (4), the fourth request used to wait until a flush
        // finished: forever here, seconds on a machine that starves the flush thread.
        let returned = Atomic(false)
        let thread = Thread { [store] in
            for index in 1...4 {
                try? write(store, index: UInt64(index))
                try? store.startFlush()
            }
            returned.store(true, ordering: .sequentiallyConsistent)
        }
        thread.start()
        let deadline = Date().addingTimeInterval(10)
        while !returned.load(ordering: .sequentiallyConsistent) && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.01)
        }
        let returnedInTime = returned.load(ordering: .sequentiallyConsistent)
        store.setBackgroundWorkPaused(false)
        #expect(returnedInTime, "startFlush waited for a flush that could not run")
        // Once background work resumes, everything is flushed and readable.
        let flushed = Date().addingTimeInterval(30)
        while !returned.load(ordering: .sequentiallyConsistent) && Date() < flushed { Thread.sleep(forTimeInterval: 0.01) }
        try store.flush()
        #expect(try store.appliedIndex() == LogIndex(4))
        #expect(try store.get(Array("m4".utf8), in: "bodies")?.count == 512)
    }
}

private func write(_ store: StateStore, index: UInt64) throws {
    var batch = WriteBatch()
    batch.put(Array(repeating: UInt8(truncatingIfNeeded: index), count: 512), for: Array("m\(index)".utf8), in: "bodies")
    batch.put([1], for: Array("q\(index)".utf8), in: "queue")
    try store.apply(batch: batch, appliedIndex: LogIndex(index))
}
