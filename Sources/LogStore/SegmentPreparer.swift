internal import Glibc
import Synchronization

/// Makes the next segment file ahead of time on its own thread: a file of
/// `segmentBytes` zeros, written and synced, that the writer renames into place when it
/// rolls to a new segment. The writer asks for it once the current segment is half
/// full, so a log that grows slowly or not at all costs no zero-filling (the first
/// segment after a start is an ordinary file).
///
/// Why: records that overwrite blocks already written cost `fdatasync` one device write;
/// records that grow a file cost a second one for the inode's new size. Measured on
/// this project's VM disk (1 KiB and 16 KiB writes, each followed by `fdatasync`):
/// 8,900-9,550 syncs/s into a zero-filled file against 5,000-7,850 appending, and a
/// third less CPU per sync. Unwritten extents from `fallocate` do not help as much: the
/// first write to each extent still changes metadata (16 KiB writes were slower).
///
/// The price: each segment's bytes are written twice (zeros first), in 1 MiB chunks each
/// synced and paced, so the log's own fsyncs never queue behind a long write; and up to
/// two segments of disk space are held ahead (the spare and the current segment's
/// unused tail). Recovery reads a zero tail in the last segment as its clean end
/// (`SegmentScanner`); a sealed or closed segment is trimmed to its records.
final class SegmentPreparer: Sendable {
    private enum Request: Sendable {
        case prepare
        case stop
    }

    /// Spares are named `spare-segment-<n>.tmp`: not segment names, and removed by
    /// recovery (`.tmp`).
    static let sparePrefix = "spare-segment-"
    /// Zeros per write (and sync) while preparing.
    static let chunkBytes = 1 << 20
    /// Pause between chunks, leaving the disk to the log's own writes.
    static let pauseMicroseconds: UInt32 = 2_000

    private let directory: String
    private let bytes: Int
    private let requests = WorkQueue<Request>()
    private let exited = WorkQueue<Bool>()
    /// The finished spare, if one waits. NB: each spare has its own name, so a spare
    /// being made can never be the file the writer just renamed into the log.
    private let readyPath = Mutex<String?>(nil)
    private let made = Atomic<UInt64>(0)
    private let stopping = Atomic<Bool>(false)
    /// Spares renamed into place as new segments.
    let used = Atomic<UInt64>(0)
    /// Spares that could not be made (the file could not be created, written or synced):
    /// the writer then starts a plain file, so this costs speed, not data, but it says
    /// the disk refuses writes (full, read-only, failing).
    let failures = Atomic<UInt64>(0)
    /// Times the writer asked for a spare.
    let requestCount = Atomic<UInt64>(0)

    /// - Parameters:
    ///   - directory: the log directory the spare lives in (it must be on the same file
    ///     system as the segments, so renaming it is atomic).
    ///   - bytes: how many zeros the spare holds (the segment size).
    init(directory: String, bytes: Int) {
        self.directory = directory
        self.bytes = bytes
    }

    /// Starts the thread; it makes a spare when asked.
    func start() {
        startDetachedThread(name: "herald-log-prep") { self.run() }
    }

    /// Asks for a spare (nothing happens if one is ready or being made).
    func requestSpare() {
        requestCount.add(1, ordering: .relaxed)
        requests.push(.prepare)
    }

    /// Whether a spare is ready to be taken.
    var isReady: Bool { readyPath.withLock { $0 != nil } }

    /// Renames the ready spare to `destination`. Writer thread.
    /// - Returns: false, with nothing renamed, when no spare is ready (yet).
    func take(renamingTo destination: String) throws(LogStoreError) -> Bool {
        let spare = readyPath.withLock { path in
            defer { path = nil }
            return path
        }
        guard let spare else { return false }
        try PosixFile.rename(spare, destination)
        used.add(1, ordering: .relaxed)
        return true
    }

    /// Stops the thread (abandoning a spare half made), removes the spare and returns
    /// once the thread is gone, so no write of it can land after the log is closed.
    func stop() {
        stopping.store(true, ordering: .relaxed)
        requests.push(.stop)
        _ = exited.takeAll()
    }

    private func run() {
        while true {
            for request in requests.takeAll() {
                switch request {
                case .prepare:
                    guard readyPath.withLock({ $0 == nil }), !stopping.load(ordering: .relaxed) else { continue }
                    let path = directory + "/" + Self.sparePrefix + String(made.add(1, ordering: .relaxed).newValue) + ".tmp"
                    if makeSpare(at: path) {
                        readyPath.withLock { $0 = path }
                    } else {
                        if !stopping.load(ordering: .relaxed) { failures.add(1, ordering: .relaxed) }
                        _ = unlink(path)
                    }
                case .stop:
                    if let path = readyPath.withLock({ $0 }) { _ = unlink(path) }
                    exited.push(true)
                    return
                }
            }
        }
    }

    /// Writes the spare; false when stopped midway or the disk refused (the writer then
    /// starts a plain file at its roll, and asks again when that one is half full).
    private func makeSpare(at path: String) -> Bool {
        let fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        let zeros = [UInt8](repeating: 0, count: Self.chunkBytes)
        var offset = 0
        while offset < bytes {
            guard !stopping.load(ordering: .relaxed) else { return false }
            let count = min(Self.chunkBytes, bytes - offset)
            let written = zeros.withUnsafeBytes { raw in
                (try? PosixFile.write(fd, UnsafeRawBufferPointer(rebasing: raw[0..<count]), at: UInt64(offset), path: path)) != nil
            }
            guard written, (try? PosixFile.dataSync(fd, path: path)) != nil else { return false }
            offset += count
            if offset < bytes { usleep(Self.pauseMicroseconds) }
        }
        return true
    }
}
