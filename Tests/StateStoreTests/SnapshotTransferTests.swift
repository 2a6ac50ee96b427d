import Foundation
import RaftCore
import StateStore
import Testing

@Suite("Snapshot transfer")
struct SnapshotTransferTests {
    let metadata = SnapshotMetadata(index: LogIndex(80), term: Term(3), membership: Membership(voters: [NodeID(1), NodeID(2), NodeID(3)], learners: [NodeID(4)]))

    /// A leader store at index 80, its snapshot, and a follower store with older, different state.
    /// The leader and the follower live in different temporary directories.
    private func setUp() throws -> ((TemporaryDirectory, TemporaryDirectory), StoredSnapshot, String) {
        let leaderDir = TemporaryDirectory("leader")
        let dir = TemporaryDirectory("follower")
        let leader = try openStore(leaderDir.file("db"))
        try fill(leader, entries: 1...80, bodySize: 3000)
        let snapshot = try StoredSnapshot.create(from: leader, metadata: metadata, in: leaderDir.file("snapshots/80"))
        let followerPath = dir.file("follower/db")
        let follower = try openStore(followerPath)
        try fill(follower, entries: 1...5, bodySize: 10)
        var extra = WriteBatch()
        extra.put(bytes("stale"), for: bytes("only-on-follower"), in: "queue")
        try follower.apply(batch: extra, appliedIndex: LogIndex(6))
        return ((leaderDir, dir), snapshot, followerPath)
    }

    @Test("a snapshot streamed as chunks installs on another store and reopens at its index")
    func roundTrip() throws {
        let (dir, snapshot, followerPath) = try setUp()
        _ = dir
        #expect(snapshot.manifest.metadata == metadata)
        #expect(try SnapshotManifest(decoding: snapshot.manifest.encoded()) == snapshot.manifest)
        #expect(try StoredSnapshot(directory: snapshot.directory).manifest == snapshot.manifest)

        let installer = try SnapshotInstaller(manifest: try SnapshotManifest(decoding: snapshot.manifest.encoded()), dataDirectory: followerPath)
        var reader = snapshot.makeChunkReader(chunkBytes: 4096)
        var chunks = 0
        while let chunk = try reader.next() {
            try installer.receive(chunk)
            chunks += 1
        }
        #expect(chunks > snapshot.manifest.files.count)
        let installed = try installer.finish(options: StateStoreOptions(columnFamilies: testFamilies))
        #expect(try installed.appliedIndex() == LogIndex(80))
        #expect(try installed.get(bytes("msg/77"), in: "bodies") == [UInt8](repeating: 77, count: 3000))
        #expect(try installed.get(bytes("only-on-follower"), in: "queue") == nil)
        #expect(!FileManager.default.fileExists(atPath: followerPath + ".incoming"))
        #expect(!FileManager.default.fileExists(atPath: followerPath + ".old"))
    }

    @Test("a corrupted chunk is rejected with a clear error and the target is left untouched")
    func corruptedChunkRejected() throws {
        let (dir, snapshot, followerPath) = try setUp()
        _ = dir
        let installer = try SnapshotInstaller(manifest: snapshot.manifest, dataDirectory: followerPath)
        var reader = snapshot.makeChunkReader(chunkBytes: 4096)
        var sent = 0
        var rejection: StateStoreError?
        while var chunk = try reader.next() {
            sent += 1
            if sent == 3 && !chunk.bytes.isEmpty { chunk.bytes[chunk.bytes.count / 2] ^= 0x10 }
            do { try installer.receive(chunk) } catch {
                rejection = error
                break
            }
        }
        let error = try #require(rejection)
        guard case .corruptSnapshotChunk(let file, _) = error else {
            Issue.record("expected corruptSnapshotChunk, got \(error)")
            return
        }
        #expect(error.description.contains("snapshot chunk of \(file) at offset"))
        #expect(!FileManager.default.fileExists(atPath: followerPath + ".incoming"))
        #expect(throws: StateStoreError.self) { _ = try installer.finish() }
        let follower = try openStore(followerPath)
        #expect(try follower.appliedIndex() == LogIndex(6))
        #expect(try follower.get(bytes("only-on-follower"), in: "queue") == bytes("stale"))
    }

    @Test("a snapshot missing its last chunk is refused at finish and nothing is swapped")
    func incompleteSnapshotRefused() throws {
        let (dir, snapshot, followerPath) = try setUp()
        _ = dir
        let installer = try SnapshotInstaller(manifest: snapshot.manifest, dataDirectory: followerPath)
        var reader = snapshot.makeChunkReader(chunkBytes: 4096)
        var chunks: [SnapshotChunk] = []
        while let chunk = try reader.next() { chunks.append(chunk) }
        for chunk in chunks.dropLast() { try installer.receive(chunk) }
        #expect(throws: StateStoreError.self) { _ = try installer.finish() }
        #expect(try openStore(followerPath).appliedIndex() == LogIndex(6))
    }

    @Test("verify checks a staged snapshot while the live store stays open; finish then swaps it in")
    func verifyBeforeFinish() throws {
        let (dir, snapshot, followerPath) = try setUp()
        _ = dir
        let options = StateStoreOptions(columnFamilies: testFamilies)
        var chunks: [SnapshotChunk] = []
        var reader = snapshot.makeChunkReader(chunkBytes: 4096)
        while let chunk = try reader.next() { chunks.append(chunk) }

        let incomplete = try SnapshotInstaller(manifest: snapshot.manifest, dataDirectory: followerPath)
        for chunk in chunks.dropLast() { try incomplete.receive(chunk) }
        #expect(throws: StateStoreError.self) { try incomplete.verify(options: options) }
        #expect(!FileManager.default.fileExists(atPath: followerPath + ".incoming"))

        // (Opened first, as on a node: opening a store clears an unfinished staging directory.)
        var live: StateStore? = try openStore(followerPath)
        let installer = try SnapshotInstaller(manifest: snapshot.manifest, dataDirectory: followerPath)
        for chunk in chunks { try installer.receive(chunk) }
        if let live {
            try installer.verify(options: options)
            #expect(try live.appliedIndex() == LogIndex(6))
            #expect(try live.get(bytes("only-on-follower"), in: "queue") == bytes("stale"))
        }
        live = nil
        let installed = try installer.finish(options: options)
        #expect(try installed.appliedIndex() == LogIndex(80))
        #expect(try installed.get(bytes("only-on-follower"), in: "queue") == nil)
    }

    @Test("a snapshot is refused when the store is not at the metadata's index")
    func snapshotAtWrongIndex() throws {
        let dir = TemporaryDirectory()
        let store = try openStore(dir.file("db"))
        try fill(store, entries: 1...3)
        #expect(throws: StateStoreError.appliedIndexMismatch(expected: LogIndex(80), actual: LogIndex(3))) {
            try StoredSnapshot.create(from: store, metadata: metadata, in: dir.file("snap"))
        }
    }

    @Test("an interrupted swap is completed (or rolled back) when the store next opens")
    func interruptedSwapRecovered() throws {
        let (dirs, snapshot, followerPath) = try setUp()
        let dir = dirs.1
        // Simulate a crash after staging was marked complete and data → data.old was renamed.
        try FileManager.default.copyItem(atPath: snapshot.directory, toPath: followerPath + ".incoming")
        _ = FileManager.default.createFile(atPath: followerPath + ".incoming/HERALD-INSTALL-COMPLETE", contents: Data())
        try FileManager.default.moveItem(atPath: followerPath, toPath: followerPath + ".old")
        let store = try openStore(followerPath)
        #expect(try store.appliedIndex() == LogIndex(80))
        #expect(!FileManager.default.fileExists(atPath: followerPath + ".old"))

        // Without the marker, the old directory comes back.
        let other = dir.file("other/db")
        try fill(try openStore(other), entries: 1...2)
        try FileManager.default.moveItem(atPath: other, toPath: other + ".old")
        try FileManager.default.createDirectory(atPath: other + ".incoming", withIntermediateDirectories: true)
        #expect(try openStore(other).appliedIndex() == LogIndex(2))
        #expect(!FileManager.default.fileExists(atPath: other + ".incoming"))
    }
}
