import Checksums
import Foundation
internal import Glibc
import RaftCore

/// Receives a snapshot's chunks and installs it in place of a node's state directory.
///
/// Steps: chunks are checked (CRC, position, bounds) and written into
/// `<dataDirectory>.incoming`; `finish` re-reads every file and checks its CRC and the
/// whole-snapshot checksum, opens the staged database to confirm its applied index,
/// fsyncs everything, marks the staging directory complete, then swaps directories by
/// rename (`data` → `data.old`, `data.incoming` → `data`) and reopens. A bad chunk
/// throws and deletes the staging directory; the live directory is never touched
/// before every check has passed.
///
/// Crash safety: `StateStore.init` calls `finishInterruptedInstall`, which completes a
/// swap whose staging directory was marked complete, or rolls back to `data.old`.
///
/// Not Sendable: one receiving task owns an installer.
public final class SnapshotInstaller {
    /// The snapshot being received.
    public let manifest: SnapshotManifest
    /// The directory the snapshot will replace.
    public let dataDirectory: String
    private let staging: String
    private var received: [UInt64]
    private var descriptors: [Int: Int32] = [:]
    private var finished = false
    /// Whether `verify` passed (and nothing was received since).
    private var verified = false

    static let completeMarker = "HERALD-INSTALL-COMPLETE"

    /// Starts receiving.
    /// - Parameters:
    ///   - manifest: the snapshot's manifest (sent first).
    ///   - dataDirectory: the state directory to replace.
    /// - Throws: `.io` if the staging directory cannot be prepared.
    public init(manifest: SnapshotManifest, dataDirectory: String) throws(StateStoreError) {
        self.manifest = manifest
        self.dataDirectory = dataDirectory
        self.staging = dataDirectory + ".incoming"
        self.received = Array(repeating: 0, count: manifest.files.count)
        try DurableFiles.remove(staging)
        try DurableFiles.makeDirectory(staging)
    }

    deinit {
        if !finished { abort() }
    }

    /// Checks and stores one chunk. Chunks of a file MUST arrive in order.
    /// - Parameter chunk: the chunk.
    /// - Throws: `.corruptSnapshotChunk` if its CRC does not match, `.invalidSnapshot` if
    ///   it does not fit the manifest; either way the staging directory is deleted and
    ///   the installer is finished.
    public func receive(_ chunk: SnapshotChunk) throws(StateStoreError) {
        guard !finished else { throw .invalidSnapshot("installer already finished") }
        verified = false
        guard manifest.files.indices.contains(chunk.fileIndex) else {
            abort()
            throw .invalidSnapshot("chunk for unknown file \(chunk.fileIndex)")
        }
        let file = manifest.files[chunk.fileIndex]
        guard chunk.isIntact else {
            abort()
            throw .corruptSnapshotChunk(file: file.path, offset: chunk.offset)
        }
        guard chunk.offset == received[chunk.fileIndex], chunk.offset + UInt64(chunk.bytes.count) <= file.size else {
            abort()
            throw .invalidSnapshot("unexpected chunk of \(file.path) at offset \(chunk.offset)")
        }
        do throws(StateStoreError) {
            let fd = try descriptor(for: chunk.fileIndex)
            let failed: Bool = chunk.bytes.withUnsafeBytes { raw in
                var written = 0
                while written < raw.count {
                    let n = pwrite(fd, raw.baseAddress! + written, raw.count - written, off_t(chunk.offset) + off_t(written))
                    if n < 0 {
                        if errno == EINTR { continue }
                        return true
                    }
                    written += n
                }
                return false
            }
            if failed { throw DurableFiles.fail("pwrite", file.path) }
        } catch {
            abort()
            throw error
        }
        received[chunk.fileIndex] += UInt64(chunk.bytes.count)
    }

    private func descriptor(for index: Int) throws(StateStoreError) -> Int32 {
        if let fd = descriptors[index] { return fd }
        let path = staging + "/" + manifest.files[index].path
        try DurableFiles.makeDirectory((path as NSString).deletingLastPathComponent)
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw DurableFiles.fail("open", path) }
        descriptors[index] = fd
        return fd
    }

    /// Verifies the whole snapshot, swaps it in and reopens the store.
    ///
    /// The `StateStore` open on `dataDirectory` MUST have been released before this call.
    /// - Parameter options: options to open the installed store with.
    /// - Returns: the store, now at `manifest.metadata.index`.
    /// - Throws: `.invalidSnapshot` (missing or wrong file, checksum mismatch) or
    ///   `.appliedIndexMismatch` before anything is swapped; `.io` / `.rocksdb` otherwise.
    public func finish(options: StateStoreOptions = StateStoreOptions()) throws(StateStoreError) -> StateStore {
        guard !finished else { throw .invalidSnapshot("installer already finished") }
        if !verified { try verify(options: options) }
        try DurableFiles.replace(staging + "/" + Self.completeMarker, with: [])
        finished = true
        try swapIn()
        return try StateStore(path: dataDirectory, options: options)
    }

    /// Checks the whole staged snapshot without touching the live state: every file's
    /// size and CRC, the total checksum, and that RocksDB opens it at the manifest's
    /// index; then fsyncs it. `finish` does this itself unless it was done before, so a
    /// caller can verify before it stops the store's users (the reads take long for a
    /// large state) and hold them only for the swap.
    /// - Parameter options: options to open the staged store with.
    /// - Throws: `.invalidSnapshot` or `.appliedIndexMismatch` (the staging directory is
    ///   then deleted, as by `abort()`); `.io` / `.rocksdb`.
    public func verify(options: StateStoreOptions = StateStoreOptions()) throws(StateStoreError) {
        guard !finished else { throw .invalidSnapshot("installer already finished") }
        do throws(StateStoreError) {
            try verifyStaged(options: options)
        } catch {
            abort()
            throw error
        }
        verified = true
    }

    private func verifyStaged(options: StateStoreOptions) throws(StateStoreError) {
        for (index, file) in manifest.files.enumerated() where received[index] != file.size || (file.size == 0 && descriptors[index] == nil) {
            throw .invalidSnapshot("\(file.path): received \(received[index]) of \(file.size) bytes")
        }
        // NB: each descriptor leaves the table before it is closed; `abort()` closes what
        // is left, and closing a number twice could close a file another thread opened since.
        for (index, fd) in descriptors {
            descriptors[index] = nil
            let synced = fsync(fd) == 0
            close(fd)
            guard synced else { throw DurableFiles.fail("fsync", staging + "/" + manifest.files[index].path) }
        }
        var total: UInt32 = 0
        for file in manifest.files {
            let (size, crc) = try StoredSnapshot.checksum(staging + "/" + file.path)
            guard size == file.size, crc == file.crc32c else { throw .invalidSnapshot("\(file.path): checksum mismatch after writing") }
            total = CRC32C.combine(total, crc, length: size)
        }
        guard total == manifest.totalChecksum else { throw .invalidSnapshot("whole-snapshot checksum mismatch") }
        try DurableFiles.replace(staging + "/" + StoredSnapshot.manifestName, with: manifest.encoded())
        // Open the staged database once: proves RocksDB accepts it and holds the right state.
        let applied = try StateStore(path: staging, options: options).appliedIndex()
        guard applied == manifest.metadata.index else {
            throw .appliedIndexMismatch(expected: manifest.metadata.index, actual: applied)
        }
        for path in try DurableFiles.files(under: staging) { try DurableFiles.sync(staging + "/" + path) }
        try DurableFiles.sync(staging)
    }

    private func swapIn() throws(StateStoreError) {
        let old = dataDirectory + ".old"
        if DurableFiles.exists(dataDirectory) {
            try DurableFiles.remove(old)
            try DurableFiles.rename(dataDirectory, old)
            try DurableFiles.syncParent(of: dataDirectory)
        }
        try DurableFiles.rename(staging, dataDirectory)
        try DurableFiles.syncParent(of: dataDirectory)
        try DurableFiles.remove(dataDirectory + "/" + Self.completeMarker)
        try DurableFiles.remove(old)
    }

    /// Drops everything received and deletes the staging directory.
    public func abort() {
        for fd in descriptors.values { close(fd) }
        descriptors.removeAll()
        try? DurableFiles.remove(staging)
        finished = true
    }

    /// Completes or rolls back a swap a crash interrupted. Called by `StateStore.init`.
    /// - Parameter dataDirectory: the state directory.
    /// - Throws: `.io` if a rename fails.
    static func finishInterruptedInstall(dataDirectory: String) throws(StateStoreError) {
        let staging = dataDirectory + ".incoming", old = dataDirectory + ".old"
        if !DurableFiles.exists(dataDirectory) {
            if DurableFiles.exists(staging + "/" + completeMarker) {
                try DurableFiles.rename(staging, dataDirectory)
                try DurableFiles.syncParent(of: dataDirectory)
            } else if DurableFiles.exists(old) {
                try DurableFiles.rename(old, dataDirectory)
                try DurableFiles.syncParent(of: dataDirectory)
            }
        }
        try DurableFiles.remove(dataDirectory + "/" + completeMarker)
        try DurableFiles.remove(staging)
        try DurableFiles.remove(old)
    }
}
