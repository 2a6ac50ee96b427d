import Foundation
import Glibc

/// Crash points for tests of crash recovery: when the environment variable
/// `HERALD_FAILPOINT` names a point, the process dies there at once (`_exit(70)`, no
/// cleanup, like a crash), or a fault is injected there (`isArmed`). Unset in
/// production; the cost is one comparison.
enum Failpoint {
    /// The failpoint named in the environment, read once.
    static let armed: String? = ProcessInfo.processInfo.environment["HERALD_FAILPOINT"]

    /// Whether `name` is the armed failpoint, for points that inject a fault instead
    /// of a crash (`snapshot-fetch-fails`: every snapshot fetch fails;
    /// `snapshot-seal-fails`: every seal of the node's own snapshots fails).
    static func isArmed(_ name: String) -> Bool { armed == name }

    /// Dies here if `name` is the armed failpoint.
    static func crashIfSet(_ name: String) {
        guard armed == name else { return }
        FileHandle.standardError.write(Data("heraldd: failpoint \(name): exiting\n".utf8))
        _exit(70)
    }
}
