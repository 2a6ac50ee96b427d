import Foundation
import StateStore
#if canImport(Glibc)
import Glibc
#endif

/// A node's data directory, held open for the life of the process. An exclusive
/// `flock` on `LOCK` keeps a second `heraldd` (a mistyped `--node`, a stale service
/// manager) from writing the same files.
public final class DataDirectory: Sendable {
    /// The directory's path.
    public let path: String
    /// The descriptor holding the lock; closed (and so released) in `deinit`.
    private let lockDescriptor: Int32

    /// Why the directory could not be taken.
    public struct OpenError: Error, CustomStringConvertible {
        /// The sentence for the operator.
        public let description: String
    }

    /// Creates the directory (and its parents) if needed and locks it.
    /// - Parameter path: where the node keeps its files.
    /// - Throws: `OpenError` when the directory cannot be created or another process holds it.
    public init(path: String) throws(OpenError) {
        do {
            try DurableFiles.makeDirectory(path)
        } catch {
            throw OpenError(description: "cannot create data directory \(path): \(error)")
        }
        let lockPath = path + "/LOCK"
        let descriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw OpenError(description: "cannot open \(lockPath): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let holder = (try? String(contentsOfFile: lockPath, encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"
            close(descriptor)
            throw OpenError(description: "data directory \(path) is in use by another heraldd (pid \(holder))")
        }
        let pid = "\(getpid())\n"
        _ = ftruncate(descriptor, 0)
        _ = pid.withCString { write(descriptor, $0, strlen($0)) }
        self.path = path
        self.lockDescriptor = descriptor
    }

    deinit {
        close(lockDescriptor)
    }
}
