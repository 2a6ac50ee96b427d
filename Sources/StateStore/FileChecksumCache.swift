internal import Glibc
import Synchronization

/// Checksums of immutable files (RocksDB's `.sst` and `.blob` files) from earlier snapshot
/// seals, so that sealing the next snapshot reads only the files written since.
///
/// A checkpoint hard-links the live store's table and blob files, and RocksDB never
/// rewrites one, so the same inode with the same size and modification time holds the
/// same bytes. Only such files are remembered; everything else (MANIFEST, OPTIONS,
/// CURRENT, copied into each checkpoint) is read every time. After each seal the cache
/// keeps only the files that seal saw.
///
/// NB: sealing read and checksummed every file of the checkpoint, a cost that grew with
/// the state: at 35k msg/s (1 KiB, nothing delivered) a node snapshots every few seconds
/// and sealing took 2-3 % of the machine's CPU after 20 s, more the longer the run.
public final class FileChecksumCache: Sendable {
    /// What identifies a file's bytes without reading them.
    struct Identity: Hashable {
        var device: UInt64
        var inode: UInt64
        var size: Int64
        var modifiedSeconds: Int
        var modifiedNanoseconds: Int
    }

    private struct State {
        var known: [Identity: UInt32] = [:]
        var reused = 0
        var read = 0
    }

    private let state = Mutex(State())

    /// Creates an empty cache.
    public init() {}

    /// How many file checksums seals took from the cache, and how many they computed,
    /// since the cache was created (cacheable files only).
    public var counts: (reused: Int, read: Int) { state.withLock { ($0.reused, $0.read) } }

    /// Whether files named like `path` never change once written.
    static func isImmutable(_ path: String) -> Bool {
        path.hasSuffix(".sst") || path.hasSuffix(".blob")
    }

    /// The identity of the file at `path`, or `nil` if it cannot be examined.
    static func identity(of path: String) -> Identity? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Identity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino), size: Int64(info.st_size),
                        modifiedSeconds: info.st_mtim.tv_sec, modifiedNanoseconds: info.st_mtim.tv_nsec)
    }

    /// The remembered checksum of the file with `identity`, if an earlier seal read it.
    func checksum(of identity: Identity) -> UInt32? {
        state.withLock { state in
            guard let crc = state.known[identity] else { return nil }
            state.reused += 1
            return crc
        }
    }

    /// Replaces what the cache holds with the files one seal saw.
    func keepOnly(_ seen: [Identity: UInt32], computed: Int) {
        state.withLock { state in
            state.known = seen
            state.read += computed
        }
    }
}
