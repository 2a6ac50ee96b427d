#if canImport(Glibc)
import Glibc
#endif

/// The process's limit on open file descriptors (`RLIMIT_NOFILE`).
///
/// A node keeps a descriptor open for every RocksDB table and blob file, every log
/// segment and every producer and peer connection. The usual default soft limit (1024,
/// what a systemd service or a shell gets) runs out on a busy node with a large state,
/// and every new file or connection then fails with EMFILE. The hard limit is usually
/// far higher; `heraldd` raises its soft limit to it at start, as Go's runtime does for
/// etcd and NATS.
enum OpenFileLimit {
    /// Below this many descriptors the node warns at start.
    static let recommended: UInt64 = 65_536

    /// The highest soft limit set: some container runtimes give a hard limit near a
    /// billion, and code that sizes tables by the limit would suffer.
    static let ceiling: UInt64 = 1 << 20

    /// Raises the soft limit to the hard limit (at most `ceiling`).
    /// - Returns: the limits in effect afterwards (unchanged if raising failed).
    static func raiseToHardLimit() -> (soft: UInt64, hard: UInt64) {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return (0, 0) }
        let target = min(limit.rlim_max, rlim_t(ceiling))
        if limit.rlim_cur < target {
            var raised = limit
            raised.rlim_cur = target
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        return (UInt64(limit.rlim_cur), UInt64(limit.rlim_max))
    }
}
