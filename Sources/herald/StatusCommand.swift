import ArgumentParser
import Foundation
import HeraldClient
import RaftCore
import Wire

/// `herald --cluster FILE status [--json]`: the cluster as one node sees it.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the leader, the term and every node's role, progress, reachability and digest."
    )

    @OptionGroup var cluster: ClusterOptions

    @Flag(help: "Print a JSON object.")
    var json = false

    func run() async throws {
        let (report, answeredBy) = try await cluster.withClient { client in
            let report = try await client.clusterStatus()
            return (report, client.currentWelcome?.node.rawValue ?? 0)
        }
        if json {
            JSONOutput.print([
                "answeredBy": answeredBy,
                "leader": report.leader?.rawValue ?? 0,
                "term": report.term.rawValue,
                "nodes": report.nodes.map { node -> [String: Any] in
                    [
                        "node": node.node.rawValue, "role": node.role, "reachable": node.reachable,
                        "commitIndex": node.commitIndex.rawValue, "appliedIndex": node.appliedIndex.rawValue,
                        "digest": Self.hex(node.digest),
                    ]
                },
            ])
            return
        }
        print("leader: \(report.leader.map { String($0.rawValue) } ?? "unknown")  term: \(report.term.rawValue)  (answered by node \(answeredBy))")
        let header = ["node", "role", "reachable", "commit", "applied", "digest"]
        let rows = report.nodes.map { node in
            [String(node.node.rawValue), node.role, node.reachable ? "yes" : "no", String(node.commitIndex.rawValue),
             String(node.appliedIndex.rawValue), Self.hex(node.digest)]
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        for row in [header] + rows {
            print(row.indices.map { row[$0].padding(toLength: widths[$0], withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingTrailingSpaces())
        }
    }

    static func hex(_ digest: UInt64) -> String {
        let digits = String(digest, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}

extension String {
    /// The string without trailing spaces.
    func trimmingTrailingSpaces() -> String {
        var text = self
        while text.hasSuffix(" ") { text.removeLast() }
        return text
    }
}
