import Foundation
import HeraldConfig
import RaftCore
import Wire

/// Builds the cluster status a producer asks for by reading every node's
/// `/v1/status` (in parallel, each with a short timeout). A node that does not answer
/// is reported unreachable; leader and term come from the reachable node with the
/// highest term.
struct ClusterStatusCollector {
    let cluster: ClusterConfig
    var timeout: Duration = .seconds(2)

    /// The parts of one node's `/v1/status` the report needs.
    private struct Reported: Sendable {
        var role: String
        var term: UInt64
        var leader: UInt64?
        var commitIndex: UInt64
        var appliedIndex: UInt64
        var digest: UInt64
    }

    func collect() async -> ClusterStatusReport {
        let results = await withTaskGroup(of: (Int, Reported?).self) { group in
            for (position, node) in cluster.nodes.enumerated() {
                group.addTask { (position, await fetchStatus(node.httpAddress)) }
            }
            var results = [Reported?](repeating: nil, count: cluster.nodes.count)
            for await (position, status) in group { results[position] = status }
            return results
        }
        let newest = results.compactMap { $0 }.max { $0.term < $1.term }
        let nodes = zip(cluster.nodes, results).map { node, status in
            ClusterStatusReport.Node(
                node: NodeID(node.id), role: status?.role ?? "unreachable", reachable: status != nil,
                commitIndex: LogIndex(status?.commitIndex ?? 0), appliedIndex: LogIndex(status?.appliedIndex ?? 0),
                digest: status?.digest ?? 0)
        }
        return ClusterStatusReport(leader: newest?.leader.map { NodeID($0) }, term: Term(newest?.term ?? 0), nodes: nodes)
    }

    private func fetchStatus(_ endpoint: Endpoint) async -> Reported? {
        guard let object = await fetchJSON(endpoint, path: "/v1/status") else { return nil }
        func number(_ key: String) -> UInt64? { (object[key] as? NSNumber)?.uint64Value }
        return Reported(
            role: object["role"] as? String ?? "unknown", term: number("term") ?? 0, leader: number("leader"),
            commitIndex: number("commitIndex") ?? 0, appliedIndex: number("appliedIndex") ?? 0,
            digest: (object["stateDigest"] as? String).flatMap { UInt64($0, radix: 16) } ?? 0)
    }

    private func fetchJSON(_ endpoint: Endpoint, path: String) async -> [String: Any]? {
        guard let response = try? await NodeAdminClient.request(endpoint, path: path, timeout: timeout, maxBodyBytes: 1 << 20),
              response.status == 200 else { return nil }
        return try? JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any]
    }
}
