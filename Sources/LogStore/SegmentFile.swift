internal import Glibc
import RaftCore

/// One open segment file, `segment-<firstIndex, 20 digits>.log`.
///
/// The descriptor closes when the last reference goes away, so a reader that grabbed a
/// segment under the state lock can finish its `pread` even if the writer deletes the
/// file meanwhile (an unlinked file stays readable while open).
final class SegmentFile: Sendable {
    /// The descriptor, opened read-write; only the writer thread writes through it.
    let descriptor: Int32
    /// Full path of the file.
    let path: String
    /// The file name, as shown in errors and reports.
    let name: String
    /// Index of the first entry the segment holds (or will hold).
    let firstIndex: LogIndex

    init(directory: String, firstIndex: LogIndex, create: Bool) throws(LogStoreError) {
        self.name = SegmentFile.name(for: firstIndex)
        self.path = directory + "/" + name
        self.firstIndex = firstIndex
        self.descriptor = try PosixFile.open(path, create: create)
    }

    deinit { close(descriptor) }

    /// `segment-00000000000000000042.log` for index 42.
    static func name(for firstIndex: LogIndex) -> String {
        let digits = String(firstIndex.rawValue)
        return "segment-" + String(repeating: "0", count: max(0, 20 - digits.count)) + digits + ".log"
    }

    /// The first index encoded in a segment file name, or `nil` if `name` is not one.
    static func firstIndex(fromName name: String) -> LogIndex? {
        guard name.hasPrefix("segment-"), name.hasSuffix(".log") else { return nil }
        let digits = name.dropFirst("segment-".count).dropLast(".log".count)
        guard digits.count == 20, let value = UInt64(digits) else { return nil }
        return LogIndex(value)
    }
}
