import Foundation
public import HeraldConfig
import LogStore
import QueueModel
import RaftCore
public import StateStore

/// Disaster recovery: seeds a node's empty data directory from a backup of some
/// node's state store. Restore the same backup on every node of a NEW cluster: each
/// starts with identical state at the backup's applied index and a Raft log that
/// begins right after it, so the cluster carries on from there.
///
/// Not for replacing one node of a running cluster: rebuild that node instead
/// (docs/operations.md, "Rebuilding a node") and it catches up from the others.
///
/// A restore is marked in progress (`RESTORING` in the data directory) until both the
/// state and the log are in place; `heraldd` refuses to start on a directory holding the
/// mark, so one cut short (killed, a full disk) cannot start as an empty or
/// half-seeded node.
public enum NodeRestore {
    /// The file that marks a restore in progress.
    public static let markerName = "RESTORING"

    /// Why a restore was refused.
    public struct Failure: Error, CustomStringConvertible {
        /// The sentence for the operator.
        public let description: String
    }

    /// What a restore put in place.
    public struct Restored: Sendable {
        /// The backup restored.
        public var backup: BackupInfo
        /// The applied index the node starts from (its log begins after it).
        public var appliedIndex: UInt64
        /// The digest of the restored state, as `herald status` shows it: every node of
        /// the new cluster must show the same.
        public var stateDigest: UInt64
    }

    /// The refusal for a data directory an interrupted restore left behind, or nil.
    /// - Parameter dataDirectory: a node's data directory.
    public static func interruptedRestore(in dataDirectory: String) -> Failure? {
        guard FileManager.default.fileExists(atPath: dataDirectory + "/" + markerName) else { return nil }
        return Failure(description: """
            \(dataDirectory) holds an interrupted restore (\(markerName) is still there): \
            empty the directory and run `herald backup restore` again
            """)
    }

    /// Restores backup `id` from `backupDirectory` into `node`'s data directory, which
    /// MUST be empty (or missing).
    /// - Returns: what was restored.
    /// - Throws: `Failure` or `StateStoreError`.
    public static func restore(from backupDirectory: String, id: UInt32, cluster: ClusterConfig,
                               node: NodeConfig) async throws -> Restored {
        let dataDirectory = cluster.dataDirectory(of: node)
        let lock = try DataDirectory(path: dataDirectory)
        defer { withExtendedLifetime(lock) {} }
        if let interrupted = interruptedRestore(in: dataDirectory) { throw interrupted }
        // NB: `lost+found` is there when the data directory is a file system's root.
        let present = try FileManager.default.contentsOfDirectory(atPath: dataDirectory)
            .filter { $0 != "LOCK" && $0 != "lost+found" }.sorted()
        guard present.isEmpty else {
            throw Failure(description: """
                \(dataDirectory) is not empty (it holds \(present.joined(separator: ", "))); \
                restore needs an empty data directory
                """)
        }
        let manager = try BackupManager(directory: backupDirectory, create: false)
        let marker = dataDirectory + "/" + markerName
        try DurableFiles.replace(marker, with: Array("restoring backup \(id) from \(backupDirectory)\n".utf8))

        let info = try manager.restore(id, into: dataDirectory + "/state")
        let (applied, digest) = try {
            let store = try StateStore(path: dataDirectory + "/state", options: QueueApplier.storeOptions)
            return (try store.appliedIndex(), try StateDigest.load(from: StateStoreReader(store: store)))
        }()
        let log = try LogStore(directory: dataDirectory + "/raft")
        // Term 0 at the restored index: every node of the new cluster restores the same
        // backup and so agrees on it; the first election then starts term 1.
        let voters = Set(cluster.nodes.map { NodeID($0.id) })
        do {
            try await log.compact(through: SnapshotMetadata(index: applied, term: .zero, membership: Membership(voters: voters)))
        } catch {
            await log.close()
            throw error
        }
        await log.close()
        try DurableFiles.remove(marker, durably: true)
        return Restored(backup: info, appliedIndex: applied.rawValue, stateDigest: digest.high ^ digest.low)
    }
}
