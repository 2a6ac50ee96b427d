import Foundation
import Glibc
import Synchronization

/// (a) pwrite + fdatasync of 1 KiB records, `batch` records per sync, appending to one file.
struct RawDiskBench {
    let directory: String
    let seconds: Double

    func run() throws -> [BenchRow] {
        try [1, 16, 64, 256, 1024, 2048, 4096].map { try measure(batch: $0) } + [try measurePipelined()]
    }

    /// The device's streaming limit: one thread appends 1 MiB pwrites back to back while
    /// another calls fdatasync in a loop. Bytes count once a sync that started after
    /// they were written has returned.
    private func measurePipelined() throws -> BenchRow {
        let path = directory + "/raw-pipelined.dat"
        let fd = open(path, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw BenchError("open \(path): errno \(errno)") }
        defer {
            close(fd)
            unlink(path)
        }
        let progress = PipelineProgress()
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = start + .milliseconds(Int(seconds * 1000))
        let writer = Thread {
            let buffer = [UInt8](repeating: 0x5A, count: 1 << 20)
            var offset = 0
            while clock.now < deadline {
                let written = buffer.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, off_t(offset)) }
                guard written > 0 else { break }
                offset += written
                progress.written.store(offset, ordering: .releasing)
            }
        }
        writer.start()
        var durable = 0, syncs = 0
        while clock.now < deadline {
            let covered = progress.written.load(ordering: .acquiring)
            guard fdatasync(fd) == 0 else { throw BenchError("fdatasync: errno \(errno)") }
            durable = covered
            syncs += 1
        }
        let elapsed = (clock.now - start).seconds
        while !writer.isFinished { usleep(1000) }  // the writer stops at the deadline
        return BenchRow(label: "raw, pipelined: 1 MiB pwrites + concurrent fdatasync loop", records: durable / 1024,
                        bytes: durable, syncs: syncs, seconds: elapsed)
    }

    func measure(batch: Int) throws -> BenchRow {
        let path = directory + "/raw-\(batch).dat"
        let fd = open(path, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw BenchError("open \(path): errno \(errno)") }
        defer {
            close(fd)
            unlink(path)
        }
        let buffer = [UInt8](repeating: 0xA5, count: batch * 1024)
        var offset = 0, syncs = 0
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = start + .milliseconds(Int(seconds * 1000))
        while clock.now < deadline {
            let written = buffer.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, off_t(offset)) }
            guard written == buffer.count else { throw BenchError("short write") }
            guard fdatasync(fd) == 0 else { throw BenchError("fdatasync: errno \(errno)") }
            offset += written
            syncs += 1
        }
        let elapsed = (clock.now - start).seconds
        return BenchRow(label: "raw, \(batch) record(s) per fdatasync", records: syncs * batch, bytes: offset, syncs: syncs, seconds: elapsed)
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension Duration {
    var seconds: Double {
        let (s, attoseconds) = components
        return Double(s) + Double(attoseconds) / 1e18
    }
}

/// Bytes the pipelined raw writer has written so far.
final class PipelineProgress: Sendable {
    let written = Atomic<Int>(0)
}
