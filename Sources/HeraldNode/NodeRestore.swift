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
/// Not for replacing one node of a running cluster: start that node with an empty
/// data directory instead and it catches up from the others.
public enum NodeRestore {
    /// Why a restore was refused.
    public struct Failure: Error, CustomStringConvertible {
        /// The sentence for the operator.
        public let description: String
    }

    /// Restores backup `id` (or the newest) from `backupDirectory` into `node`'s data
    /// directory, which MUST NOT hold a state store or Raft log yet.
    /// - Returns: the restored backup and the applied index the node starts from.
    /// - Throws: `Failure` or `StateStoreError`.
    public static func restore(from backupDirectory: String, id: UInt32?, cluster: ClusterConfig,
                               node: NodeConfig) async throws -> (backup: BackupInfo, appliedIndex: UInt64) {
        let dataDirectory = cluster.dataDirectory(of: node)
        let statePath = dataDirectory + "/state"
        let raftPath = dataDirectory + "/raft"
        let lock = try DataDirectory(path: dataDirectory)
        defer { withExtendedLifetime(lock) {} }
        let manager = try BackupManager(directory: backupDirectory)
        let info = try manager.restore(id, into: statePath)
        let store = try StateStore(path: statePath, options: QueueApplier.storeOptions)
        let applied = try store.appliedIndex()
        let log = try LogStore(directory: raftPath)
        guard log.lastIndex == .zero, log.snapshotMetadata == nil else {
            await log.close()
            throw Failure(description: "\(raftPath) already holds a Raft log; restore needs an empty data directory")
        }
        // Term 0 at the restored index: every node of the new cluster restores the same
        // backup and so agrees on it; the first election then starts term 1.
        let voters = Set(cluster.nodes.map { NodeID($0.id) })
        try await log.compact(through: SnapshotMetadata(index: applied, term: .zero, membership: Membership(voters: voters)))
        await log.close()
        return (info, applied.rawValue)
    }
}
