import Foundation
@testable import HeraldNode
import Logging
import Testing
import Wire

/// The guard that refuses new messages while the data disk is nearly full, measured
/// on this machine's real file system.
@Suite struct DiskSpaceGuardTests {
    private let logger = Logger(label: "disk-space-test")

    @Test("a directory's file system is measured; a missing one is a clear error")
    func measures() throws {
        let directory = try TemporaryDirectory()
        let usage = try DiskUsage.measure(directory.path)
        #expect(usage.totalBytes > 0)
        #expect(usage.freeBytes <= usage.totalBytes)
        let missing = directory.file("no-such-directory")
        #expect {
            try DiskUsage.measure(missing)
        } throws: { error in
            "\(error)" == "cannot measure the free space of \(missing): No such file or directory"
        }
    }

    @Test("enqueues are refused while the free space is below the minimum and accepted again once space is freed")
    func refusesBelowTheMinimum() throws {
        let directory = try TemporaryDirectory()
        let free = try DiskUsage.measure(directory.path).freeBytes
        // NB: other processes write to this disk too; the margins (1 GiB and 512 MiB)
        // are far larger than what they change in the few milliseconds between readings.
        let filler: Int64 = 1_536 << 20
        try #require(free > UInt64(filler) + (1 << 30), "this test needs 2.5 GiB free on \(directory.path)")
        let guarding = DiskSpaceGuard(path: directory.path, minimumFreeBytes: free - (512 << 20), interval: .zero,
                                      logger: logger)
        #expect(guarding.refusal(at: 1) == nil)

        let path = directory.file("filler")
        let descriptor = open(path, O_CREAT | O_WRONLY, 0o600)
        try #require(descriptor >= 0)
        let allocated = posix_fallocate(descriptor, 0, off_t(filler))
        close(descriptor)
        try #require(allocated == 0, "cannot allocate \(filler) bytes")
        // NB: polled, since some file systems account an allocation or a deletion a
        // moment later; the margins still decide the outcome.
        #expect(Self.eventually { guarding.refusal(at: 3) != nil })
        let refusal = try #require(guarding.refusal(at: 3))
        #expect(refusal.code == .insufficientStorage)
        #expect(refusal.detail.hasPrefix("node 3 has "))
        #expect(refusal.detail.contains("MiB free on its data disk, below storage.minFreeMegabytes (\((free - (512 << 20)) >> 20) MiB)"))

        try FileManager.default.removeItem(atPath: path)
        #expect(Self.eventually { guarding.refusal(at: 3) == nil })
    }

    /// Whether `condition` holds within 10 seconds, checked every 10 ms.
    private static func eventually(_ condition: () -> Bool) -> Bool {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if condition() { return true }
            usleep(10_000)
        }
        return condition()
    }

    @Test("a minimum of 0 never refuses, and a reading is reused within the interval")
    func zeroNeverRefuses() throws {
        let directory = try TemporaryDirectory()
        let never = DiskSpaceGuard(path: directory.path, minimumFreeBytes: 0, logger: logger)
        #expect(never.refusal(at: 1) == nil)
        #expect(never.usage() != nil)

        let always = DiskSpaceGuard(path: directory.path, minimumFreeBytes: .max, interval: .seconds(3600), logger: logger)
        #expect(always.refusal(at: 1)?.code == .insufficientStorage)
        // Within the interval the first reading answers, even when the directory is gone.
        let first = always.usage()
        try FileManager.default.removeItem(atPath: directory.path)
        #expect(always.usage() == first)
    }
}
