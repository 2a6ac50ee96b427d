import ArgumentParser
import Foundation
import HeraldConfig

/// `herald config …`: work with cluster configuration files.
struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Check cluster configuration files.",
        subcommands: [Check.self]
    )

    /// `herald config check FILE`: validate without starting anything.
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate a cluster configuration; exit 2 with one line per problem if it is invalid."
        )

        @Argument(help: "The configuration file.")
        var file: String

        func run() async throws {
            do {
                let cluster = try ConfigLoader.load(path: file)
                let regions = Set(cluster.nodes.map(\.region)).sorted().joined(separator: ", ")
                let timing = cluster.raft
                let electionMs = timing.electionTicks * timing.tickMilliseconds
                print("""
                    \(file): ok: cluster "\(cluster.clusterName)", \(cluster.nodes.count) nodes in \
                    \(regions); heartbeat every \(timing.heartbeatTicks * timing.tickMilliseconds) ms, \
                    election after \(electionMs)-\(2 * electionMs) ms
                    """)
            } catch {
                FileHandle.standardError.write(Data("\(error)\n".utf8))
                throw ExitCode(ConfigError.exitCode)
            }
        }
    }
}
