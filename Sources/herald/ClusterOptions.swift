import ArgumentParser
import Foundation
import HeraldClient
import HeraldConfig

/// Options every command that talks to a cluster shares. Written before the command
/// (`herald --cluster FILE status`); ArgumentParser also accepts them after it.
struct ClusterOptions: ParsableArguments {
    @Option(name: .long, help: "The cluster configuration file; the nodes' client addresses are read from it.")
    var cluster: String?

    @Option(name: .long, help: "Seconds to wait for an answer, including connecting.")
    var timeout: Double = 10

    func validate() throws {
        guard timeout > 0, timeout.isFinite else { throw ValidationError("--timeout must be a positive number of seconds") }
    }

    /// The configuration file, validated.
    /// - Throws: `ExitCode(2)` after printing the loader's one line, or a `ValidationError`
    ///   when `--cluster` is missing.
    func loadConfig() throws -> ClusterConfig {
        guard let cluster else { throw ValidationError("--cluster FILE is required") }
        do {
            return try ConfigLoader.load(path: cluster)
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode(ConfigError.exitCode)
        }
    }

    /// The configured nodes, or just `only` (which must exist).
    func nodes(_ config: ClusterConfig, only: UInt64?) throws -> [NodeConfig] {
        guard let only else { return config.nodes }
        guard let node = config.node(only) else { throw ValidationError("the configuration has no node \(only)") }
        return [node]
    }

    /// The client addresses from the configuration file.
    /// - Throws: `ExitCode(2)` after printing the loader's one line, or a `ValidationError`
    ///   when `--cluster` is missing.
    func addresses() throws -> [HeraldServerAddress] {
        guard let cluster else { throw ValidationError("--cluster FILE is required") }
        do {
            return try ConfigLoader.load(path: cluster).nodes.map {
                HeraldServerAddress(host: $0.clientAddress.host, port: $0.clientAddress.port)
            }
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode(ConfigError.exitCode)
        }
    }

    /// Runs `body` with a connected client. A refusal or failure from the cluster prints
    /// `herald: …` on standard error and exits 1; a request the protocol forbids exits 2.
    func withClient<Output: Sendable>(_ body: (HeraldClient) async throws -> Output) async throws -> Output {
        let configuration = HeraldClientConfiguration(
            clientName: "herald-cli", requestTimeout: .milliseconds(Int64(timeout * 1000)),
            connectTimeout: .milliseconds(Int64(min(timeout, 5) * 1000)))
        let addresses = try addresses()
        do {
            return try await HeraldClient.withClient(addresses: addresses, configuration: configuration, body)
        } catch let error as HeraldClientError {
            FileHandle.standardError.write(Data("herald: \(error)\n".utf8))
            throw ExitCode(error.code == .invalidRequest ? 2 : 1)
        }
    }
}
