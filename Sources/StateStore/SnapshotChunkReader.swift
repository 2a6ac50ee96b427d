internal import Glibc

/// Produces a `StoredSnapshot`'s chunks in order: file by file, `chunkBytes` at a time.
public struct SnapshotChunkReader: Sendable {
    private let snapshot: StoredSnapshot
    private let chunkBytes: Int
    private var fileIndex = 0
    private var offset: UInt64 = 0

    init(snapshot: StoredSnapshot, chunkBytes: Int) {
        precondition(chunkBytes > 0)
        self.snapshot = snapshot
        self.chunkBytes = chunkBytes
    }

    /// The next chunk, or `nil` after the last one.
    /// - Throws: `.io` if a file cannot be read, `.invalidSnapshot` if it changed size.
    public mutating func next() throws(StateStoreError) -> SnapshotChunk? {
        let files = snapshot.manifest.files
        while fileIndex < files.count && offset >= files[fileIndex].size {
            // Empty files still get one (empty) chunk so the receiver creates them.
            if files[fileIndex].size == 0 && offset == 0 {
                offset = 1
                return SnapshotChunk(fileIndex: fileIndex, offset: 0, bytes: [])
            }
            fileIndex += 1
            offset = 0
        }
        guard fileIndex < files.count else { return nil }
        let file = files[fileIndex]
        let path = snapshot.directory + "/" + file.path
        let count = Int(min(UInt64(chunkBytes), file.size - offset))
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw DurableFiles.fail("open", path) }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: count)
        let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, count, off_t(offset)) }
        guard n == count else { throw .invalidSnapshot("\(file.path) is shorter than its manifest says") }
        let chunk = SnapshotChunk(fileIndex: fileIndex, offset: offset, bytes: bytes)
        offset += UInt64(count)
        return chunk
    }
}
