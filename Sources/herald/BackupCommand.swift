import ArgumentParser
import Foundation
import HeraldConfig
import HeraldNode
import RaftCore
import StateStore

/// `herald backup …`: take, list, verify and restore backups of node state.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Take, list, verify and restore backups (see docs/operations.md).",
        subcommands: [Create.self, List.self, Verify.self, Restore.self]
    )

    /// `herald --cluster FILE backup create [--node N]`: ask running nodes for a backup now.
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ask running nodes (all, or --node) to take a backup now into their backup directory.")

        @OptionGroup var cluster: ClusterOptions

        @Option(help: "Only this node.")
        var node: UInt64?

        @Option(help: "Seconds to wait for each node's backup (a first backup copies the whole state).")
        var backupTimeout: Double = 600

        func validate() throws {
            guard backupTimeout > 0, backupTimeout.isFinite else {
                throw ValidationError("--backup-timeout must be a positive number of seconds")
            }
        }

        func run() async throws {
            let config = try cluster.loadConfig()
            let targets = try cluster.nodes(config, only: node)
            var failed = false
            for target in targets {
                do {
                    // NB: not --timeout (10 s by default, for quick requests): a backup
                    // that outlived it was reported failed while the node finished it.
                    let response = try await NodeAdminClient.request(
                        target.httpAddress, method: "POST", path: "/v1/backup",
                        timeout: .milliseconds(Int64(backupTimeout * 1000)))
                    if response.status == 200 {
                        print(response.body.trimmingCharacters(in: .whitespacesAndNewlines))
                    } else {
                        failed = true
                        FileHandle.standardError.write(Data("herald: node \(target.id): \(response.body)".utf8))
                    }
                } catch {
                    failed = true
                    FileHandle.standardError.write(Data("herald: node \(target.id): \(error)\n".utf8))
                }
            }
            if failed { throw ExitCode(1) }
        }
    }

    /// `herald --cluster FILE backup list --node N`: the backups a node has kept.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a node's backups.")

        @OptionGroup var cluster: ClusterOptions

        @Option(help: "The node whose backups to list.")
        var node: UInt64

        @Option(help: "A backup directory to read instead of the node's configured one.")
        var from: String?

        @Flag(help: "Print JSON objects, one per line.")
        var json = false

        func run() async throws {
            let directory = try BackupCommand.directory(cluster: cluster, node: node, override: from)
            let backups = try BackupCommand.refusingErrors { try BackupManager(directory: directory, create: false).list() }
            for backup in backups {
                if json {
                    JSONOutput.print(["id": backup.id, "timestamp": backup.timestamp, "sizeBytes": backup.sizeBytes,
                                      "files": backup.fileCount, "metadata": backup.hasMetadata,
                                      "appliedIndex": backup.appliedIndex.map { $0.rawValue as Any } ?? NSNull(),
                                      "note": backup.note])
                } else {
                    let date = Date(timeIntervalSince1970: TimeInterval(backup.timestamp))
                    let applied = backup.appliedIndex.map { "applied \($0.rawValue)" }
                        ?? "applied ? (NO METADATA: taking it was interrupted; verify fails, restore reports the index)"
                    print("\(backup.id)  \(date)  \(applied)  \(backup.sizeBytes) bytes  \(backup.note)")
                }
            }
        }
    }

    /// `herald --cluster FILE backup verify --node N [--id ID] [--deep]`.
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check backups: restore each into a scratch directory, checking every file's checksum, and open it (--quick: only that the files are there).")

        @OptionGroup var cluster: ClusterOptions

        @Option(help: "The node whose backups to check.")
        var node: UInt64

        @Option(help: "The backup id (default: every backup).")
        var id: UInt32?

        @Option(help: "A backup directory to read instead of the node's configured one.")
        var from: String?

        @Flag(help: "Only check that the backup's files and metadata are there (fast, reads no data; a damaged file passes).")
        var quick = false

        func run() async throws {
            let directory = try BackupCommand.directory(cluster: cluster, node: node, override: from)
            try BackupCommand.refusingErrors {
                let manager = try BackupManager(directory: directory, create: false)
                let ids = try id.map { [$0] } ?? manager.list().map(\.id)
                guard !ids.isEmpty else { throw StateStoreError.backupNotFound(0) }
                for id in ids {
                    try manager.verify(id, mode: quick ? .quick : .full)
                    print("backup \(id): ok\(quick ? " (quick check)" : "")")
                }
            }
        }
    }

    /// `herald --cluster FILE backup restore --node N --from DIR --id ID`.
    struct Restore: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Seed a node's EMPTY data directory from a backup (disaster recovery: restore the same backup, same --from and --id, on every node of a new cluster).")

        @OptionGroup var cluster: ClusterOptions

        @Option(help: "The node to restore.")
        var node: UInt64

        // NB: both required: defaults (the newest backup, each node's own directory) let
        // the nodes of one new cluster start from different states, and Raft then
        // replicates as if they were the same.
        @Option(help: "The backup id (`herald backup list --node N --from DIR` shows them).")
        var id: UInt32

        @Option(help: "The backup directory to restore from (the same for every node).")
        var from: String

        func run() async throws {
            let config = try cluster.loadConfig()
            guard let target = config.node(node) else {
                throw ValidationError("the configuration has no node \(node)")
            }
            do {
                let restored = try await NodeRestore.restore(from: from, id: id, cluster: config, node: target)
                print("""
                    restored backup \(restored.backup.id) into \(config.dataDirectory(of: target)): applied index \
                    \(restored.appliedIndex), state digest \(StatusCommand.hex(restored.stateDigest)) (every node of the \
                    new cluster must show the same two)
                    """)
            } catch {
                FileHandle.standardError.write(Data("herald: \(error)\n".utf8))
                throw ExitCode(1)
            }
        }
    }

    /// The backup directory to use for `node`.
    static func directory(cluster: ClusterOptions, node: UInt64, override: String?) throws -> String {
        if let override { return override }
        return try directory(config: cluster.loadConfig(), node: node)
    }

    /// The configured backup directory of `node`.
    static func directory(config: ClusterConfig, node: UInt64) throws -> String {
        guard let target = config.node(node) else { throw ValidationError("the configuration has no node \(node)") }
        guard let directory = config.backupDirectory(of: target) else {
            throw ValidationError("the configuration has no \"backup\" section; pass --from DIR")
        }
        return directory
    }

    /// Runs `body`; a storage error is printed as `herald: …` and exits 1.
    static func refusingErrors<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            FileHandle.standardError.write(Data("herald: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
