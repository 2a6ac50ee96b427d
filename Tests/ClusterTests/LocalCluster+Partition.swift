import Foundation
import HeraldClient
import Synchronization
import Wire

extension LocalCluster {
    /// Client addresses of exactly `ids`, in the given order.
    func producerAddresses(only ids: [UInt64]) -> [HeraldServerAddress] {
        ids.map { HeraldServerAddress(host: "127.0.0.1", port: node($0).clientPort) }
    }

    /// Node `id`'s role (`leader`, `follower`, ...) from `/v1/status`, or nil when it does not answer.
    func role(_ id: UInt64) -> String? { status(id)?["role"] as? String }

    /// The leader that every node of `group` names, once one of them leads and the rest
    /// agree (within `timeout`). Nodes outside `group` are ignored (a cut-off minority).
    func waitForLeader(among group: Set<UInt64>, timeout: Duration = .seconds(30)) async -> UInt64? {
        let found = LeaderBox()
        _ = await eventually(timeout: timeout) {
            let statuses = group.compactMap { self.status($0) }
            guard statuses.count == group.count, let leader = statuses.first?["leader"] as? Int,
                  group.contains(UInt64(leader)),
                  statuses.allSatisfy({ ($0["leader"] as? Int) == leader }),
                  self.role(UInt64(leader)) == "leader" else { return false }
            found.value.withLock { $0 = UInt64(leader) }
            return true
        }
        return found.value.withLock { $0 }
    }

    /// Checks through a client that every key in `acked` names its message: the message
    /// exists, and enqueueing the key again answers `duplicate` with the same id.
    /// - Returns: descriptions of every key that failed (empty when all hold).
    func missingAcknowledged(_ acked: [String: WireMessageID], addresses: [HeraldServerAddress],
                             configuration: HeraldClientConfiguration) async throws -> [String] {
        try await HeraldClient.withClient(addresses: addresses, configuration: configuration) { client in
            try await withThrowingTaskGroup(of: [String].self) { group in
                for chunk in acked.sorted(by: { $0.key < $1.key }).chunked(into: max(1, acked.count / 16 + 1)) {
                    group.addTask {
                        var failures: [String] = []
                        for (key, id) in chunk {
                            let status = try await retrying { try await client.messageStatus(id) }
                            if status.recipients.count != 1 { failures.append("\(key): \(status.recipients.count) recipients") }
                            let again = try await enqueueRetrying(client, LocalCluster.envelope(0, key: key))
                            if !again.duplicate || again.id != id {
                                failures.append("\(key): re-enqueue gave id \(again.id) duplicate=\(again.duplicate), acked \(id)")
                            }
                        }
                        return failures
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
        }
    }

    /// `(appliedIndex, stateDigest)` of every node, for failure messages.
    func convergenceReport() -> String {
        nodes.map { node in
            let status = self.status(node.id)
            return "node \(node.id): role=\(status?["role"] ?? "-") term=\(status?["term"] ?? "-") "
                + "leader=\(status?["leader"] ?? "-") commit=\(status?["commitIndex"] ?? "-") "
                + "applied=\(status?["appliedIndex"] ?? "-") digest=\(status?["stateDigest"] ?? "-")"
        }.joined(separator: "\n")
    }
}

/// Carries a found leader out of a `@Sendable` poll.
private final class LeaderBox: Sendable {
    let value = Mutex<UInt64?>(nil)
}
