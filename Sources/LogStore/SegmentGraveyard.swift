import Dispatch

#if canImport(Glibc)
import Glibc
#endif

/// Deletes compacted segments off the writer thread. A compaction renames each segment
/// it drops to `deleted-<name>` (no longer a segment to recovery) and hands the paths
/// here; a file a crash leaves behind is removed when the log is next opened.
enum SegmentGraveyard {
    /// The name prefix of a dropped segment awaiting deletion.
    static let prefix = "deleted-"

    private static let queue = DispatchQueue(label: "herald.logstore.graveyard", qos: .utility)

    /// Unlinks `paths` in the background.
    static func delete(_ paths: [String]) {
        guard !paths.isEmpty else { return }
        queue.async {
            for path in paths { _ = unlink(path) }
        }
    }
}
