import Checksums
import Foundation
internal import Glibc
public import RaftCore

/// A state-machine snapshot on disk: a RocksDB checkpoint directory plus
/// `HERALD-MANIFEST` (the Raft metadata and a CRC-32C for every file). The leader
/// streams it to a lagging follower or new learner with `makeChunkReader()`; the
/// receiver feeds the chunks to a `SnapshotInstaller`.
public struct StoredSnapshot: Sendable {
    /// Name of the manifest file inside the snapshot directory.
    public static let manifestName = "HERALD-MANIFEST"

    /// The snapshot directory.
    public let directory: String
    /// Metadata and file list.
    public let manifest: SnapshotManifest

    /// Checkpoints `store` into `directory` and writes the manifest.
    ///
    /// MUST be called from the loop that applies entries, between two applies, so the
    /// checkpoint holds exactly the state at `metadata.index`.
    /// - Parameters:
    ///   - store: the state store.
    ///   - metadata: index, term and membership of the last applied entry.
    ///   - directory: where to put the snapshot; MUST NOT exist yet.
    /// - Returns: the snapshot.
    /// - Throws: `.appliedIndexMismatch` if the store is not at `metadata.index`,
    ///   `.rocksdb` / `.io` if writing fails.
    public static func create(from store: StateStore, metadata: SnapshotMetadata, in directory: String) throws(StateStoreError) -> StoredSnapshot {
        try checkpoint(store, at: metadata, into: directory)
        return try seal(directory, metadata: metadata)
    }

    /// The first half of `create`: checkpoints `store` (flushing its memtables, so the
    /// live store is durable at `metadata.index` afterwards) without writing a manifest.
    /// Cheap (hard links); MUST be called between two applies, like `create`.
    /// - Throws: `.appliedIndexMismatch` if the store is not at `metadata.index`,
    ///   `.rocksdb` / `.io` if writing fails.
    public static func checkpoint(_ store: StateStore, at metadata: SnapshotMetadata, into directory: String) throws(StateStoreError) {
        let applied = try store.appliedIndex()
        guard applied == metadata.index else { throw .appliedIndexMismatch(expected: metadata.index, actual: applied) }
        try DurableFiles.makeDirectory((directory as NSString).deletingLastPathComponent)
        try store.checkpoint(to: directory)
    }

    /// Like `checkpoint(_:at:into:)`, but callable while another thread applies entries:
    /// the checkpoint holds the state after some whole apply batch, and this reads which.
    /// Takes as long as flushing the memtables does, so callers run it off the apply loop.
    /// - Parameters:
    ///   - store: the state store.
    ///   - directory: where to put the checkpoint; MUST NOT exist yet.
    /// - Returns: the applied index the checkpoint holds.
    /// - Throws: `.rocksdb` / `.io` if writing or reading back fails.
    public static func checkpointWhileApplying(_ store: StateStore, into directory: String) throws(StateStoreError) -> LogIndex {
        try DurableFiles.makeDirectory((directory as NSString).deletingLastPathComponent)
        try store.checkpoint(to: directory)
        return try StateStore.appliedIndex(ofCheckpoint: directory)
    }

    /// The second half of `create`: checksums every file of a checkpoint and writes the
    /// manifest. Reads the checkpoint's files, so callers run it off the apply loop; the
    /// checkpoint's files never change once written.
    /// - Parameters:
    ///   - directory: a directory written by `checkpoint`.
    ///   - metadata: the metadata it was taken with.
    ///   - checksums: checksums of table and blob files from earlier seals of the same
    ///     store; those files are not read again. `nil` reads every file.
    /// - Returns: the sealed snapshot.
    /// - Throws: `.io` if reading or writing fails (the directory is then deleted).
    public static func seal(_ directory: String, metadata: SnapshotMetadata,
                            checksums: FileChecksumCache? = nil) throws(StateStoreError) -> StoredSnapshot {
        do {
            var files: [SnapshotManifest.File] = []
            var total: UInt32 = 0
            var seen: [FileChecksumCache.Identity: UInt32] = [:]
            var computed = 0
            for path in try DurableFiles.files(under: directory) where path != manifestName {
                let full = directory + "/" + path
                let identity = checksums != nil && FileChecksumCache.isImmutable(path)
                    ? FileChecksumCache.identity(of: full) : nil
                let size: UInt64, crc: UInt32
                if let identity, let known = checksums?.checksum(of: identity) {
                    (size, crc) = (UInt64(identity.size), known)
                } else {
                    (size, crc) = try checksum(full)
                    if identity != nil { computed += 1 }
                }
                if let identity { seen[identity] = crc }
                total = CRC32C.combine(total, crc, length: size)
                files.append(SnapshotManifest.File(path: path, size: size, crc32c: crc))
            }
            checksums?.keepOnly(seen, computed: computed)
            let manifest = SnapshotManifest(metadata: metadata, files: files, totalChecksum: total)
            try DurableFiles.replace(directory + "/" + manifestName, with: manifest.encoded())
            return StoredSnapshot(directory: directory, manifest: manifest)
        } catch {
            try? DurableFiles.remove(directory)
            throw error
        }
    }

    /// Opens a snapshot written earlier.
    /// - Parameter directory: the snapshot directory.
    /// - Throws: `.invalidSnapshot` if the manifest is missing or damaged.
    public init(directory: String) throws(StateStoreError) {
        guard let data = FileManager.default.contents(atPath: directory + "/" + Self.manifestName) else {
            throw .invalidSnapshot("no manifest in \(directory)")
        }
        self.directory = directory
        self.manifest = try SnapshotManifest(decoding: Array(data))
    }

    private init(directory: String, manifest: SnapshotManifest) {
        self.directory = directory
        self.manifest = manifest
    }

    /// Reads the snapshot's files in manifest order as checksummed chunks.
    /// - Parameter chunkBytes: the largest chunk (default 1 MiB).
    /// - Returns: a reader; call `next()` until it returns `nil`.
    public func makeChunkReader(chunkBytes: Int = 1 << 20) -> SnapshotChunkReader {
        SnapshotChunkReader(snapshot: self, chunkBytes: chunkBytes)
    }

    /// Size and CRC-32C of a file.
    static func checksum(_ path: String) throws(StateStoreError) -> (UInt64, UInt32) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw DurableFiles.fail("open", path) }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var size: UInt64 = 0
        var crc: UInt32 = 0
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw DurableFiles.fail("read", path)
            }
            if n == 0 { break }
            buffer.withUnsafeBytes { raw in
                crc = CRC32C.update(crc, with: UnsafeRawBufferPointer(rebasing: raw[0..<n]))
            }
            size += UInt64(n)
        }
        return (size, crc)
    }
}
