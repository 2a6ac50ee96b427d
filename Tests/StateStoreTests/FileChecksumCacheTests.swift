import Checksums
import Foundation
import RaftCore
import StateStore
import Testing

@Suite("Snapshot seal with remembered file checksums")
struct FileChecksumCacheTests {
    private func metadata(_ index: UInt64) -> SnapshotMetadata {
        SnapshotMetadata(index: LogIndex(index), term: Term(2), membership: Membership(voters: [NodeID(1)]))
    }

    private func contents(_ path: String) throws -> [UInt8] {
        Array(try #require(FileManager.default.contents(atPath: path)))
    }

    /// Every file's size and checksum as read now, and the checksum of all files joined in
    /// manifest order: what a seal without the cache would write.
    private func expectMatchesDisk(_ snapshot: StoredSnapshot) throws {
        var joined: UInt32 = 0
        for file in snapshot.manifest.files {
            let bytes = try contents(snapshot.directory + "/" + file.path)
            #expect(UInt64(bytes.count) == file.size, "\(file.path)")
            #expect(CRC32C.checksum(bytes) == file.crc32c, "\(file.path)")
            joined = bytes.withUnsafeBytes { CRC32C.update(joined, with: $0) }
        }
        #expect(joined == snapshot.manifest.totalChecksum)
    }

    private func tableFiles(_ snapshot: StoredSnapshot) -> Set<String> {
        Set(snapshot.manifest.files.map(\.path).filter { $0.hasSuffix(".sst") || $0.hasSuffix(".blob") })
    }

    @Test("a later seal reads only the table files written since, and its manifest matches the disk")
    func laterSealReusesUnchangedFiles() throws {
        let dir = TemporaryDirectory("checksum-cache")
        let store = try openStore(dir.file("db"))
        let cache = FileChecksumCache()

        try fill(store, entries: 1...40, bodySize: 3000)
        try StoredSnapshot.checkpoint(store, at: metadata(40), into: dir.file("snap-40"))
        let first = try StoredSnapshot.seal(dir.file("snap-40"), metadata: metadata(40), checksums: cache)
        let firstTables = tableFiles(first)
        #expect(!firstTables.isEmpty)
        #expect(cache.counts.reused == 0)
        #expect(cache.counts.read == firstTables.count)
        try expectMatchesDisk(first)

        try fill(store, entries: 41...80, bodySize: 3000)
        try StoredSnapshot.checkpoint(store, at: metadata(80), into: dir.file("snap-80"))
        let second = try StoredSnapshot.seal(dir.file("snap-80"), metadata: metadata(80), checksums: cache)
        let secondTables = tableFiles(second)
        let shared = firstTables.intersection(secondTables)
        #expect(!shared.isEmpty)
        #expect(secondTables.count > shared.count)
        #expect(cache.counts.reused == shared.count)
        #expect(cache.counts.read == firstTables.count + secondTables.count - shared.count)
        try expectMatchesDisk(second)
    }

    @Test("a table file replaced under the same name is read again, not taken from the cache")
    func replacedFileIsReadAgain() throws {
        let dir = TemporaryDirectory("checksum-cache")
        let store = try openStore(dir.file("db"))
        let cache = FileChecksumCache()
        try fill(store, entries: 1...40, bodySize: 3000)
        try StoredSnapshot.checkpoint(store, at: metadata(40), into: dir.file("a"))
        let first = try StoredSnapshot.seal(dir.file("a"), metadata: metadata(40), checksums: cache)

        // A second checkpoint of the same state links the same files; one of them is then
        // swapped for a file with other bytes (a new inode under the old name).
        try StoredSnapshot.checkpoint(store, at: metadata(40), into: dir.file("b"))
        let victim = try #require(tableFiles(first).sorted().first)
        var altered = try contents(dir.file("b/" + victim))
        altered[altered.count / 2] ^= 0x5A
        try FileManager.default.removeItem(atPath: dir.file("b/" + victim))
        #expect(FileManager.default.createFile(atPath: dir.file("b/" + victim), contents: Data(altered)))

        let readBefore = cache.counts.read
        let second = try StoredSnapshot.seal(dir.file("b"), metadata: metadata(40), checksums: cache)
        #expect(cache.counts.read == readBefore + 1)
        let before = try #require(first.manifest.files.first { $0.path == victim })
        let after = try #require(second.manifest.files.first { $0.path == victim })
        #expect(after.crc32c == CRC32C.checksum(altered))
        #expect(after.crc32c != before.crc32c)
        try expectMatchesDisk(second)
    }
}
