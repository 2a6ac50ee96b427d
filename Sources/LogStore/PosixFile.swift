internal import Glibc

/// Thin POSIX calls that turn `errno` into `LogStoreError.io`. Everything here is
/// synchronous and blocking; callers decide which thread may block.
enum PosixFile {
    static func fail(_ operation: String, _ path: String) -> LogStoreError {
        .io(operation: operation, path: path, errno: errno)
    }

    /// Opens (optionally creating) a file for reading and writing.
    static func open(_ path: String, create: Bool) throws(LogStoreError) -> Int32 {
        let flags = O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0)
        let fd = Glibc.open(path, flags, 0o644)
        guard fd >= 0 else { throw fail("open", path) }
        return fd
    }

    /// Opens a directory so it can be fsynced.
    static func openDirectory(_ path: String) throws(LogStoreError) -> Int32 {
        let fd = Glibc.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw fail("open", path) }
        return fd
    }

    /// Writes all of `bytes` at `offset`, retrying short writes and EINTR.
    static func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: UInt64, path: String) throws(LogStoreError) {
        var done = 0
        while done < bytes.count {
            let n = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                throw fail("pwrite", path)
            }
            done += n
        }
    }

    /// Writes all of `bytes` at `offset`.
    static func write(_ fd: Int32, _ bytes: [UInt8], at offset: UInt64, path: String) throws(LogStoreError) {
        let result: Result<Void, LogStoreError> = bytes.withUnsafeBytes { raw in
            Result { () throws(LogStoreError) in try write(fd, raw, at: offset, path: path) }
        }
        try result.get()
    }

    /// Reads exactly `count` bytes at `offset`; fewer only at end of file.
    static func read(_ fd: Int32, count: Int, at offset: UInt64, path: String) throws(LogStoreError) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: count)
        var done = 0
        var failure: LogStoreError?
        result.withUnsafeMutableBytes { buffer in
            while done < count {
                let n = pread(fd, buffer.baseAddress! + done, count - done, off_t(offset) + off_t(done))
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = fail("pread", path)
                    return
                }
                if n == 0 { break }
                done += n
            }
        }
        if let failure { throw failure }
        if done < count { result.removeLast(count - done) }
        return result
    }

    /// Reads a whole file.
    static func readAll(_ path: String) throws(LogStoreError) -> [UInt8] {
        let fd = try open(path, create: false)
        defer { close(fd) }
        let size = try self.size(fd, path: path)
        return try read(fd, count: Int(size), at: 0, path: path)
    }

    static func size(_ fd: Int32, path: String) throws(LogStoreError) -> UInt64 {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw fail("fstat", path) }
        return UInt64(info.st_size)
    }

    static func dataSync(_ fd: Int32, path: String) throws(LogStoreError) {
        guard fdatasync(fd) == 0 else { throw fail("fdatasync", path) }
    }

    static func truncate(_ fd: Int32, to size: UInt64, path: String) throws(LogStoreError) {
        guard ftruncate(fd, off_t(size)) == 0 else { throw fail("ftruncate", path) }
    }

    /// fsyncs a directory so that creations, renames and deletions in it are durable.
    static func syncDirectory(_ path: String) throws(LogStoreError) {
        let fd = try openDirectory(path)
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw fail("fsync", path) }
    }

    static func unlink(_ path: String) throws(LogStoreError) {
        guard Glibc.unlink(path) == 0 || errno == ENOENT else { throw fail("unlink", path) }
    }

    static func rename(_ from: String, _ to: String) throws(LogStoreError) {
        guard Glibc.rename(from, to) == 0 else { throw fail("rename", from) }
    }

    static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    /// Creates a directory and any missing parents, then fsyncs the parent of each one it
    /// created: a new directory's name lives in its parent, and without that sync a
    /// power loss could take the whole log directory with acknowledged entries in it.
    static func makeDirectories(_ path: String) throws(LogStoreError) {
        var prefix = path.hasPrefix("/") ? "/" : ""
        var parent = path.hasPrefix("/") ? "/" : "."
        var createdIn: [String] = []
        for component in path.split(separator: "/") {
            prefix += component
            if mkdir(prefix, 0o755) == 0 {
                createdIn.append(parent)
            } else if errno != EEXIST {
                throw fail("mkdir", prefix)
            }
            parent = prefix
            prefix += "/"
        }
        for directory in createdIn { try syncDirectory(directory) }
    }

    /// Names of the entries of a directory (without `.` and `..`).
    static func list(_ path: String) throws(LogStoreError) -> [String] {
        guard let dir = opendir(path) else { throw fail("opendir", path) }
        defer { closedir(dir) }
        var names: [String] = []
        while true {
            // NB: readdir returns nil both at the end and on an error; a listing cut short
            // by an I/O error would make recovery open a shorter log.
            errno = 0
            guard let entry = readdir(dir) else {
                if errno != 0 { throw fail("readdir", path) }
                break
            }
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Replaces `path` atomically: write a temp file, fsync it, rename over, fsync the directory.
    static func replaceAtomically(_ path: String, directory: String, with bytes: [UInt8]) throws(LogStoreError) {
        let temp = path + ".tmp"
        let fd = try open(temp, create: true)
        do throws(LogStoreError) {
            try truncate(fd, to: 0, path: temp)
            try write(fd, bytes, at: 0, path: temp)
            guard fsync(fd) == 0 else { throw fail("fsync", temp) }
        } catch {
            close(fd)
            throw error
        }
        close(fd)
        try rename(temp, path)
        try syncDirectory(directory)
    }
}
