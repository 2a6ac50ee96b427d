public import HeraldConfig
public import Dispatch
import Foundation
import RaftCore
import Synchronization
public import Logging
public import ServiceLifecycle
public import StateStore

/// Takes backups of the node's state store on the configured schedule and on demand
/// (`POST /v1/backup`), keeping the configured number.
public final class BackupService: Service, Sendable {
    private let manager: BackupManager
    private let store: StateStoreHandle
    private let scratchDirectory: String
    private let schedule: BackupSchedule
    private let logger: Logger
    /// Runs the backups, one at a time (scheduled and on demand share the scratch directory).
    private let worker: DispatchQueue
    /// Requests for the next backup not started yet: the first one queues a backup on
    /// `worker`, and every request while it waits joins it, so at most one backup runs
    /// and one waits, however often `POST /v1/backup` is called.
    private let next = Mutex<[CheckedContinuation<BackupInfo, any Error>]>([])

    /// Opens the backup directory.
    /// - Parameters:
    ///   - directory: where the backups go.
    ///   - store: the node's state store.
    ///   - scratchDirectory: where each backup's checkpoint is staged; MUST be on the
    ///     state store's file system (its files are hard links). Deleted when left over.
    ///   - schedule: interval and how many to keep.
    ///   - worker: the queue backups run on, one at a time.
    /// - Throws: `StateStoreError` when the directory cannot be opened.
    public init(directory: String, store: StateStoreHandle, scratchDirectory: String, schedule: BackupSchedule,
                logger: Logger, worker: DispatchQueue = DispatchQueue(label: "herald.backup")) throws {
        self.worker = worker
        self.manager = try BackupManager(directory: directory)
        self.store = store
        self.scratchDirectory = scratchDirectory
        self.schedule = schedule
        self.logger = logger
        try? FileManager.default.removeItem(atPath: scratchDirectory)
    }

    /// Takes one backup now and purges the oldest beyond `keep`.
    ///
    /// The node goes on applying entries meanwhile: the state is checkpointed (hard
    /// links) without holding the store, and the backup is copied from that checkpoint,
    /// whose applied index is exact. The copy runs on a thread of its own, not on one
    /// of the few that run the node's tasks.
    /// - Parameter note: a label stored with the backup.
    /// - Returns: the new backup.
    ///
    /// Requests that arrive while a backup waits for the one running join it (they get
    /// the same backup, which starts after they asked).
    @discardableResult
    public func backUp(note: String) async throws -> BackupInfo {
        try await withCheckedThrowingContinuation { continuation in
            let queue = next.withLock { waiting -> Bool in
                waiting.append(continuation)
                return waiting.count == 1
            }
            guard queue else { return }
            worker.async {
                let joined = self.next.withLock { waiting in
                    defer { waiting = [] }
                    return waiting
                }
                let result = Result { try self.backUpNow(note: note) }
                for waiter in joined { waiter.resume(with: result) }
            }
        }
    }

    /// Takes a backup on the calling thread; `worker` runs one at a time.
    private func backUpNow(note: String) throws -> BackupInfo {
        try? FileManager.default.removeItem(atPath: scratchDirectory)
        defer { try? FileManager.default.removeItem(atPath: scratchDirectory) }
        // NB: a backup copies every new file; holding the store meanwhile (as this did)
        // stopped the node's applies, and `herald backup create` backs up every node at once.
        // The checkpoint holds the state after one whole apply batch; `create` reads its
        // applied index from the checkpoint it opens.
        try store.withStoreForLongWork { try $0.checkpoint(to: scratchDirectory) }
        let info = try backUpStagedCheckpoint(note: note)
        do {
            try manager.purge(keeping: schedule.keep)
        } catch {
            // NB: the new backup is complete; failing it for this would make the operator
            // take (and keep) another one.
            logger.error("old backups could not be purged", metadata: ["error": "\(error)", "directory": "\(manager.directory)"])
        }
        logger.info("backup created", metadata: [
            "id": "\(info.id)", "applied": "\(info.appliedIndex.map { "\($0.rawValue)" } ?? "?")",
            "bytes": "\(info.sizeBytes)", "directory": "\(manager.directory)",
        ])
        return info
    }

    /// Copies the checkpoint staged in `scratchDirectory` into a new backup; the
    /// checkpoint is open only during the call (closed before the directory goes).
    private func backUpStagedCheckpoint(note: String) throws -> BackupInfo {
        var options = QueueApplier.storeOptions
        options.automaticCompactions = false
        let checkpoint = try StateStore(path: scratchDirectory, options: options)
        return try manager.create(from: checkpoint, note: note)
    }

    /// Requests waiting for a backup that has not started.
    var waitingRequests: Int { next.withLock { $0.count } }

    /// Every backup kept, oldest first.
    public func list() throws -> [BackupInfo] { try manager.list() }

    /// Sleeps through the interval and backs up, until shutdown. With an interval of 0
    /// it only waits for shutdown (backups are then taken on demand).
    public func run() async throws {
        guard schedule.intervalMinutes > 0 else {
            try? await gracefulShutdown()
            return
        }
        while !Task.isShuttingDownGracefully {
            let interval = Duration.seconds(schedule.intervalMinutes * 60)
            // Ends early (nil or a thrown CancellationError) when shutdown begins.
            guard (try? await cancelWhenGracefulShutdown({ try await Task.sleep(for: interval) })) != nil,
                  !Task.isShuttingDownGracefully else {
                return
            }
            do {
                try await backUp(note: "scheduled")
            } catch {
                logger.error("scheduled backup failed", metadata: ["error": "\(error)"])
            }
        }
    }
}
