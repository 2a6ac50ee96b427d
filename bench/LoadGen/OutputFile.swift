#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file several connections append whole lines to. Each `append` is one `write(2)` on
/// an `O_APPEND` descriptor, which the kernel applies atomically for a regular file, so
/// lines from different threads never interleave.
final class OutputFile: Sendable {
    /// The path, for messages.
    let path: String
    // NB: an immutable descriptor; `write(2)` on it is thread-safe, so sharing is sound.
    private let descriptor: Int32

    /// Creates (or truncates) `path`.
    /// - Throws: `LoadGenError.io` when the file cannot be opened.
    init(creating path: String) throws(LoadGenError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0o644)
        guard descriptor >= 0 else { throw .io("cannot create \(path): errno \(errno)") }
        self.path = path
        self.descriptor = descriptor
    }

    /// Appends `bytes`, retrying short writes.
    /// - Parameter bytes: whole lines.
    func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
    }

    deinit { close(descriptor) }
}
