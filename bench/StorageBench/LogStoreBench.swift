import LogStore
import RaftCore
import Synchronization

/// (b) N concurrent writers appending 1 KiB entries; each waits for durability before
/// its next append, so throughput comes only from group commit sharing fsyncs.
struct LogStoreBench {
    let directory: String
    let seconds: Double
    let physicalLimit: Double

    func run() async throws -> [BenchRow] {
        // Raft hands the log a Ready batch of proposals at a time; model that too.
        let configurations = [(1, 1), (4, 1), (16, 1), (64, 1), (4, 16), (64, 16), (64, 64)]
        var rows: [BenchRow] = []
        let raw = RawDiskBench(directory: directory, seconds: min(seconds, 2))
        for (writers, perAppend) in configurations {
            // The shared disk's speed drifts: measure the serial raw limit right next to
            // each configuration and compare with that too.
            let before = try raw.measure(batch: 4096).megabytesPerSecond
            var row = try await measure(writers: writers, entriesPerAppend: perAppend)
            let after = try raw.measure(batch: 4096).megabytesPerSecond
            row.adjacentRaw = (before + after) / 2
            rows.append(row)
        }
        return rows
    }

    private func measure(writers: Int, entriesPerAppend: Int) async throws -> BenchRow {
        let path = directory + "/log-\(writers)-\(entriesPerAppend)"
        let store = try LogStore(directory: path)
        let next = IndexAllocator()
        let payload = (0..<1024).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 7) }
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = start + .milliseconds(Int(seconds * 1000))
        let appended = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<writers {
                group.addTask {
                    var count = 0
                    while clock.now < deadline {
                        let pending = next.index.withLock { index -> PendingWrite in
                            let entries = (0..<UInt64(entriesPerAppend)).map { k in
                                Entry(term: Term(1), index: LogIndex(index + k), data: payload)
                            }
                            index += UInt64(entriesPerAppend)
                            return store.submit(entries)
                        }
                        try await pending.durable()
                        count += entriesPerAppend
                    }
                    return count
                }
            }
            return try await group.reduce(0, +)
        }
        let elapsed = (clock.now - start).seconds
        let statistics = store.statistics
        await store.close()
        let label = "LogStore, \(writers) writer(s) × \(entriesPerAppend) entr\(entriesPerAppend == 1 ? "y" : "ies")/append"
        return BenchRow(label: label, records: appended, bytes: Int(statistics.bytesWritten),
                        syncs: Int(statistics.dataSyncs), seconds: elapsed,
                        syncBusy: Double(statistics.syncNanoseconds) / 1e9 / elapsed,
                        writerIdle: Double(statistics.idleNanoseconds) / 1e9 / elapsed)
    }
}

/// Hands out log indices; submitting under the same lock keeps disk order = index order.
final class IndexAllocator: Sendable {
    let index = Mutex<UInt64>(1)
}
