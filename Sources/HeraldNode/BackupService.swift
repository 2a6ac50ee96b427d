public import HeraldConfig
import RaftCore
public import Logging
public import ServiceLifecycle
public import StateStore

/// Takes backups of the node's state store on the configured schedule and on demand
/// (`POST /v1/backup`), keeping the configured number.
public final class BackupService: Service, Sendable {
    private let manager: BackupManager
    private let store: StateStoreHandle
    private let schedule: BackupSchedule
    private let logger: Logger

    /// Opens the backup directory.
    /// - Throws: `StateStoreError` when the directory cannot be opened.
    public init(directory: String, store: StateStoreHandle, schedule: BackupSchedule, logger: Logger) throws {
        self.manager = try BackupManager(directory: directory)
        self.store = store
        self.schedule = schedule
        self.logger = logger
    }

    /// Takes one backup now and purges the oldest beyond `keep`.
    /// - Parameter note: a label stored with the backup.
    /// - Returns: the new backup.
    @discardableResult
    public func backUp(note: String) throws -> BackupInfo {
        let info = try store.withStore { try manager.create(from: $0, note: note) }
        try manager.purge(keeping: schedule.keep)
        logger.info("backup created", metadata: [
            "id": "\(info.id)", "applied": "\(info.appliedIndex.map { "\($0.rawValue)" } ?? "?")",
            "bytes": "\(info.sizeBytes)", "directory": "\(manager.directory)",
        ])
        return info
    }

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
                try backUp(note: "scheduled")
            } catch {
                logger.error("scheduled backup failed", metadata: ["error": "\(error)"])
            }
        }
    }
}
