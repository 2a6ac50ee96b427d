import HeraldConfig
import Logging
import RaftCore
import StateStore

/// Fetches a kept snapshot from another node's admin endpoint into a
/// `SnapshotInstaller`: the source's manifest first (its files are its own RocksDB
/// checkpoint, so each source has its own manifest for the same index and term), then
/// every file in ranges of `chunkBytes`.
struct SnapshotFetcher {
    /// The largest range asked for at once.
    var chunkBytes = 4 << 20
    /// Time allowed for one request.
    var requestTimeout: Duration = .seconds(30)

    /// Why a source could not provide the snapshot.
    struct SourceFailure: Error, CustomStringConvertible {
        var description: String
    }

    /// The source no longer keeps the snapshot: it sealed newer ones (HTTP 410).
    struct SnapshotReplaced: Error, CustomStringConvertible {
        var source: Endpoint
        var description: String { "\(source) no longer keeps it: newer snapshots replaced it" }
    }

    /// Stages the snapshot at `metadata` from `source` into an installer for `stateDirectory`.
    /// - Returns: the installer, every file received and checked chunk by chunk; call
    ///   `finish` to verify and swap it in.
    /// - Throws: `SourceFailure` when the source does not keep that snapshot or answers
    ///   badly; connection errors; `StateStoreError` for a damaged chunk.
    func stage(_ metadata: SnapshotMetadata, from source: Endpoint, stateDirectory: String) async throws -> SnapshotInstaller {
        let manifestTarget = SnapshotBytesRequest.manifest(index: metadata.index, term: metadata.term).target
        let manifest = try SnapshotManifest(decoding: try await get(manifestTarget, from: source))
        guard manifest.metadata == metadata else {
            throw SourceFailure(description: "\(source) describes snapshot \(manifest.metadata), expected \(metadata)")
        }
        let installer = try SnapshotInstaller(manifest: manifest, dataDirectory: stateDirectory)
        do {
            for (fileIndex, file) in manifest.files.enumerated() {
                var offset: UInt64 = 0
                repeat {
                    let length = Int(min(UInt64(chunkBytes), file.size - offset))
                    let request = SnapshotBytesRequest.file(index: metadata.index, term: metadata.term, file: fileIndex,
                                                            offset: offset, length: max(length, 1))
                    let bytes = length == 0 ? [] : try await get(request.target, from: source)
                    guard bytes.count == length else {
                        throw SourceFailure(description: "\(source) sent \(bytes.count) bytes of \(file.path) at \(offset), expected \(length)")
                    }
                    try installer.receive(SnapshotChunk(fileIndex: fileIndex, offset: offset, bytes: bytes))
                    offset += UInt64(length)
                } while offset < file.size
            }
        } catch {
            installer.abort()
            throw error
        }
        return installer
    }

    private func get(_ target: String, from source: Endpoint) async throws -> [UInt8] {
        // NB: a file range is at most 8 MiB; a manifest lists files, not their bytes.
        let response = try await NodeAdminClient.request(source, path: target, timeout: requestTimeout,
                                                         maxBodyBytes: SnapshotBytesRequest.maxLength)
        if response.status == 410 { throw SnapshotReplaced(source: source) }
        guard response.status == 200 else {
            throw SourceFailure(description: "\(source) answered \(response.status) to \(target)")
        }
        return response.bytes
    }
}
