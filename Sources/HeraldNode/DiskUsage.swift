import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The space of the file system holding a directory, as `statvfs(3)` reports it.
public struct DiskUsage: Sendable, Equatable {
    /// Bytes an unprivileged process may still write (`f_bavail`: the blocks reserved
    /// for root are not counted, because `heraldd` should not run as root).
    public var freeBytes: UInt64
    /// The file system's size.
    public var totalBytes: UInt64

    /// Creates a reading.
    public init(freeBytes: UInt64, totalBytes: UInt64) {
        self.freeBytes = freeBytes
        self.totalBytes = totalBytes
    }

    /// Whether fewer than `minimum` bytes are free; never for a minimum of 0 (no limit).
    public func isBelow(_ minimum: UInt64) -> Bool {
        minimum > 0 && freeBytes < minimum
    }

    /// Why a directory's file system could not be measured.
    public struct MeasureError: Error, CustomStringConvertible {
        /// The sentence for the operator.
        public let description: String
    }

    /// Measures the file system that holds `path`.
    /// - Parameter path: any file or directory on it.
    /// - Returns: its free and total bytes.
    /// - Throws: `MeasureError` when `statvfs` fails (no such path, no permission).
    public static func measure(_ path: String) throws(MeasureError) -> DiskUsage {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else {
            throw MeasureError(description: "cannot measure the free space of \(path): \(String(cString: strerror(errno)))")
        }
        let blockSize = UInt64(info.f_frsize)
        return DiskUsage(freeBytes: bytes(UInt64(info.f_bavail), of: blockSize),
                         totalBytes: bytes(UInt64(info.f_blocks), of: blockSize))
    }

    /// `blocks × blockSize`, saturated: a file system that reports absurd counts (some
    /// FUSE mounts do) must not crash the node.
    private static func bytes(_ blocks: UInt64, of blockSize: UInt64) -> UInt64 {
        let (product, overflow) = blocks.multipliedReportingOverflow(by: blockSize)
        return overflow ? .max : product
    }
}
