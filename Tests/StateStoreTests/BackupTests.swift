import Foundation
import RaftCore
import StateStore
import Testing

@Suite("Backups")
struct BackupTests {
    @Test("create, list, verify and restore round trip")
    func roundTrip() throws {
        let dir = TemporaryDirectory("backup")
        let store = try openStore(dir.file("db"))
        try fill(store, entries: 1...40)
        let backups = try BackupManager(directory: dir.file("backups"))
        let first = try backups.create(from: store, note: "nightly")
        try fill(store, entries: 41...70)
        let second = try backups.create(from: store)
        #expect(first.appliedIndex == LogIndex(40))
        #expect(first.note == "nightly")
        #expect(second.id > first.id)
        #expect(try backups.list().map(\.id) == [first.id, second.id])
        try backups.verify(first.id, mode: .quick)
        try backups.verify(second.id)

        let restored = try backups.restore(first.id, into: dir.file("restored"))
        #expect(restored.id == first.id)
        let copy = try openStore(dir.file("restored"))
        #expect(try copy.appliedIndex() == LogIndex(40))
        #expect(try copy.get(bytes("msg/40"), in: "bodies") == [UInt8](repeating: 40, count: 2000))
        #expect(try copy.get(bytes("msg/41"), in: "bodies") == nil)

        try backups.restore(into: dir.file("latest"))
        #expect(try openStore(dir.file("latest")).appliedIndex() == LogIndex(70))

        // Reopening the backup directory lists the same backups with their metadata.
        let reopened = try BackupManager(directory: dir.file("backups"))
        #expect(try reopened.list().map(\.appliedIndex) == [LogIndex(40), LogIndex(70)])
        try reopened.purge(keeping: 1)
        #expect(try reopened.list().map(\.id) == [second.id])
    }

    @Test("restore refuses a non-empty target and an unknown backup")
    func restoreRefusals() throws {
        let dir = TemporaryDirectory("backup")
        let store = try openStore(dir.file("db"))
        try fill(store, entries: 1...3)
        let backups = try BackupManager(directory: dir.file("backups"))
        try backups.create(from: store)
        #expect(throws: StateStoreError.restoreTargetNotEmpty(dir.file("db"))) { try backups.restore(into: dir.file("db")) }
        #expect(throws: StateStoreError.backupNotFound(99)) { try backups.restore(99, into: dir.file("fresh")) }
        #expect(throws: StateStoreError.backupNotFound(99)) { try backups.verify(99) }
    }

    @Test("reading a missing backup directory is an error and creates nothing")
    func missingDirectoryNotCreated() throws {
        let dir = TemporaryDirectory("backup")
        let typo = dir.file("bakcups")
        #expect(throws: StateStoreError.noBackupDirectory(typo)) { try BackupManager(directory: typo, create: false) }
        #expect(!FileManager.default.fileExists(atPath: typo))
        #expect(StateStoreError.noBackupDirectory(typo).description.contains("no backup directory at \(typo)"))
    }

    @Test("missing or damaged backup metadata fails verification, and a damaged one stops a restore before any copy")
    func metadataChecked() throws {
        let (dir, backups, info) = try Self.backedUpStore(entries: 5)
        let metadata = dir.file("backups/herald/\(info.id).meta")

        try Data([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]).write(to: URL(fileURLWithPath: metadata))
        #expect(throws: StateStoreError.invalidSnapshot("backup \(info.id) metadata checksum mismatch")) {
            try backups.verify(info.id, mode: .quick)
        }
        #expect(throws: StateStoreError.invalidSnapshot("backup \(info.id) metadata checksum mismatch")) {
            try backups.restore(info.id, into: dir.file("restored"))
        }
        #expect(!FileManager.default.fileExists(atPath: dir.file("restored")), "restore copied before checking the metadata")

        try FileManager.default.removeItem(atPath: metadata)
        let error = #expect(throws: StateStoreError.self) { try backups.verify(info.id) }
        #expect(error?.description.contains("has no metadata") == true, "\(String(describing: error))")
    }

    @Test("a damaged backup file fails full verification and restore")
    func damagedBackupFails() throws {
        let (dir, _, info) = try Self.backedUpStore(entries: 30)
        // Truncate one of the backed-up table files.
        let root = dir.file("backups")
        let files = FileManager.default.enumerator(atPath: root)!.compactMap { $0 as? String }.filter { $0.hasSuffix(".sst") }
        let victim = root + "/" + (try #require(files.first))
        let data = try Data(contentsOf: URL(fileURLWithPath: victim))
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: victim))
        let reopened = try BackupManager(directory: root)
        let error = #expect(throws: StateStoreError.self) { try reopened.verify(info.id) }
        #expect(error?.description.hasPrefix("rocksdb: ") == true)
        #expect(throws: StateStoreError.self) { try reopened.restore(info.id, into: dir.file("restored")) }
    }

    /// A store in `dir/db` holding `entries` applied entries, backed up once into `dir/backups`.
    private static func backedUpStore(entries: UInt64) throws -> (TemporaryDirectory, BackupManager, BackupInfo) {
        let dir = TemporaryDirectory("backup")
        let store = try openStore(dir.file("db"))
        try fill(store, entries: 1...entries)
        let backups = try BackupManager(directory: dir.file("backups"))
        return (dir, backups, try backups.create(from: store))
    }
}
