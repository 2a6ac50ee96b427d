import ArgumentParser
import Foundation
import HeraldConfig
import HeraldNode
import Logging

/// `heraldd`: one Herald node. It validates the whole configuration before it opens
/// any file or port, so a bad config never half-starts a node.
@main
struct Heraldd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "heraldd",
        abstract: "Run one node of a Herald cluster."
    )

    @Option(name: .long, help: "The cluster configuration file (see docs/configuration.md).")
    var config: String

    @Option(name: .long, help: "This node's id, as listed in the configuration's nodes.")
    var node: UInt64

    @Option(name: .long, help: ArgumentHelp(
        "Accept peer connections on HOST:PORT instead of the node's peerAddress (which peers still dial).",
        valueName: "host:port"))
    var peerListen: String?

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.",
            transform: { text throws in
                guard let level = Logger.Level(rawValue: text) else {
                    throw ValidationError("unknown log level '\(text)'")
                }
                return level
            })
    var logLevel: Logger.Level = .info

    func run() async throws {
        let cluster: ClusterConfig
        do {
            cluster = try ConfigLoader.load(path: config)
        } catch {
            fail("\(error)", code: ConfigError.exitCode)
        }
        guard let me = cluster.node(node) else {
            let ids = cluster.nodes.map { String($0.id) }.joined(separator: ", ")
            fail("\(config): nodes: no node with id \(node) (configured: \(ids))", code: ConfigError.exitCode)
        }

        LoggingSystem.bootstrap { MillisecondLogHandler(label: $0) }
        var logger = Logger(label: "heraldd")
        logger.logLevel = logLevel
        logger[metadataKey: "node"] = "\(me.id)"

        var peerListenAddress: Endpoint?
        if let peerListen {
            do {
                peerListenAddress = try Endpoint.parse(peerListen)
            } catch {
                fail("heraldd: --peer-listen: \(error.reason)", code: ConfigError.exitCode)
            }
        }
        do {
            try await HeraldNodeRuntime(cluster: cluster, node: me, peerListenAddress: peerListenAddress, logger: logger).run()
        } catch let error as HeraldNodeRuntime.StartError {
            fail("heraldd: \(error)", code: 1)
        }
    }

    private func fail(_ message: String, code: Int32) -> Never {
        FileHandle.standardError.write(Data((message + "\n").utf8))
        Foundation.exit(code)
    }
}
