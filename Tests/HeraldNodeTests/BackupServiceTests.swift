import Dispatch
import Foundation
import HeraldConfig
@testable import HeraldNode
import Logging
import RaftCore
import StateStore
import Synchronization
import Testing

/// Backups are taken from a checkpoint while the node goes on applying: each must hold
/// exactly the state at the applied index it records.
@Suite struct BackupServiceTests {
    @Test("requests while a backup waits join it: twenty at once make one backup")
    func concurrentRequestsJoin() async throws {
        let directory = try TemporaryDirectory()
        let handle = StateStoreHandle(try openStore(directory.file("state")))
        try handle.withStore { store in
            var batch = WriteBatch()
            batch.put(Array(repeating: 7, count: 1000), for: Self.key(1), in: "bodies")
            try store.apply(batch: batch, appliedIndex: LogIndex(1))
        }
        // The worker is held until all twenty wait, as if a long backup were running.
        let worker = DispatchQueue(label: "backup-test")
        worker.suspend()
        let service = try BackupService(
            directory: directory.file("backups"), store: handle, scratchDirectory: directory.file("backup.partial"),
            schedule: BackupSchedule(directory: directory.file("backups"), intervalMinutes: 0, keep: 100),
            logger: Logger(label: "backup-test"), worker: worker)
        let ids = try await withThrowingTaskGroup(of: UInt32.self) { group in
            for number in 0..<20 { group.addTask { try await service.backUp(note: "burst \(number)").id } }
            _ = await waitUntil(within: .seconds(30)) { service.waitingRequests >= 20 }
            worker.resume()
            return try await group.reduce(into: [UInt32]()) { $0.append($1) }
        }
        #expect(ids.count == 20)
        #expect(Set(ids).count == 1, "\(Set(ids).count) backups for one burst")
        #expect(try service.list().count == 1)
    }

    @Test func backupsTakenWhileEntriesAreAppliedHoldExactlyTheirAppliedIndex() async throws {
        let directory = try TemporaryDirectory()
        let handle = StateStoreHandle(try openStore(directory.file("state")))
        let service = try BackupService(
            directory: directory.file("backups"), store: handle, scratchDirectory: directory.file("backup.partial"),
            schedule: BackupSchedule(directory: directory.file("backups"), intervalMinutes: 0, keep: 100),
            logger: Logger(label: "backup-test"))
        let total: UInt64 = 2000
        let writer = WriterProgress()
        Thread {
            do {
                for index in 1...total {
                    var batch = WriteBatch()
                    batch.put(Array(repeating: UInt8(truncatingIfNeeded: index), count: 1000), for: Self.key(index), in: "bodies")
                    batch.put([1], for: Self.key(index), in: "queue")
                    try handle.withStore { try $0.apply(batch: batch, appliedIndex: LogIndex(index)) }
                }
            } catch {
                writer.error.withLock { $0 = error }
            }
            writer.finished.store(true, ordering: .releasing)
        }.start()

        var backups: [BackupInfo] = []
        repeat {
            backups.append(try await service.backUp(note: "test \(backups.count)"))
        } while !writer.finished.load(ordering: .acquiring)
        #expect(writer.error.withLock { $0 } == nil)
        #expect(!FileManager.default.fileExists(atPath: directory.file("backup.partial")))

        let manager = try BackupManager(directory: directory.file("backups"))
        for backup in backups {
            let applied = try #require(backup.appliedIndex)
            let restored = directory.file("restored-\(backup.id)")
            _ = try manager.restore(backup.id, into: restored)
            let store = try openStore(restored)
            #expect(try store.appliedIndex() == applied)
            var missing: UInt64?
            for index in stride(from: UInt64(1), through: applied.rawValue, by: 1)
            where try store.get(Self.key(index), in: "bodies") == nil || store.get(Self.key(index), in: "queue") == nil {
                missing = index
                break
            }
            #expect(missing == nil, "backup \(backup.id) at \(applied) lacks entry \(missing ?? 0)")
            #expect(try store.get(Self.key(applied.rawValue + 1), in: "bodies") == nil)
        }
    }

    private static func key(_ index: UInt64) -> [UInt8] { Array("entry-\(index)".utf8) }
}

/// What the writer thread of a test reports.
private final class WriterProgress: Sendable {
    let finished = Atomic(false)
    let error = Mutex<(any Error)?>(nil)
}
