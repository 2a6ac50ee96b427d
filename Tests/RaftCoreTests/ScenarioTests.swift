import Foundation
import Testing
@testable import RaftCore

/// Scenario scripts (`Scenarios/*.txt`): lines starting with `> ` are commands, the
/// lines after each command are the output it must produce. `REWRITE_SCENARIOS=1
/// swift test` rewrites the files with the actual output; review the diff like code.
///
/// Commands:
/// - `voters 1 2 3` / `learners 4`: create nodes (learners after voters)
/// - `join 4 5`: create nodes that are not members yet (they start with the voters'
///   membership and wait to be added)
/// - `campaign N`, `tick N|all [xK]`, `propose N text`, `transfer N M`, `read N ctx`
/// - `change N add-learner|promote|remove|add-voter M`, `compact N`
/// - `isolate N …` / `heal`, `stabilize` (prints every delivered message)
/// - `status` (one line per node), `log N`
@Suite("Scenarios")
struct ScenarioTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Scenarios")

    static var files: [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: directory.path))?.filter { $0.hasSuffix(".txt") }.sorted() ?? []
    }

    @Test("scenario scripts replay their recorded trace", arguments: files)
    func scenario(name: String) throws {
        let url = Self.directory.appendingPathComponent(name)
        let text = try String(contentsOf: url, encoding: .utf8)
        var runner = ScenarioRunner()
        var output: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) where line.hasPrefix("> ") || line.hasPrefix("#") {
            output.append(String(line))
            if line.hasPrefix("> ") { output.append(contentsOf: runner.run(String(line.dropFirst(2)))) }
        }
        let actual = output.joined(separator: "\n") + "\n"
        if ProcessInfo.processInfo.environment["REWRITE_SCENARIOS"] == "1" {
            try actual.write(to: url, atomically: true, encoding: .utf8)
        } else {
            #expect(actual == text, "scenario \(name) diverged; rerun with REWRITE_SCENARIOS=1 and review the diff")
        }
    }
}

struct ScenarioRunner {
    /// Small snapshot chunks so transfers show several of them.
    static func configure(_ config: inout RaftConfig) { config.snapshotChunkBytes = 5 }
    var cluster = Cluster(voters: [])
    var voters: [UInt64] = []

    mutating func run(_ command: String) -> [String] {
        let words = command.split(separator: " ").map(String.init)
        guard let verb = words.first else { return [] }
        let args = Array(words.dropFirst())
        func n(_ k: Int) -> UInt64 { UInt64(args[k])! }
        let known: Set<String> = ["voters", "learners", "join", "stabilize", "status", "heal", "isolate", "tick"]
        if !known.contains(verb), let first = args.first, let id = UInt64(first), cluster.nodes[NodeID(id)] == nil {
            return ["no node \(first)"]
        }
        switch verb {
        case "voters":
            voters = args.map { UInt64($0)! }
            let membership = Membership(voters: Set(voters.map { NodeID($0) }))
            for id in voters { cluster.addNode(id, restoring: RestoredState(initialMembership: membership), configure: Self.configure) }
            return []
        case "join":
            let membership = Membership(voters: Set(voters.map { NodeID($0) }))
            for id in args.map({ UInt64($0)! }) { cluster.addNode(id, restoring: RestoredState(initialMembership: membership), configure: Self.configure) }
            return []
        case "learners":
            let membership = Membership(voters: Set(voters.map { NodeID($0) }), learners: Set(args.map { NodeID(UInt64($0)!) }))
            for id in voters { cluster.addNode(id, restoring: RestoredState(initialMembership: membership), configure: Self.configure) }
            for id in args.map({ UInt64($0)! }) { cluster.addNode(id, restoring: RestoredState(initialMembership: membership), configure: Self.configure) }
            return []
        case "campaign":
            cluster[n(0)].campaign()
            return []
        case "tick":
            let times = args.count > 1 ? Int(args[1].dropFirst())! : 1
            let ids = args[0] == "all" ? cluster.ids : [NodeID(n(0))]
            var out: [String] = []
            for _ in 0..<times {
                for id in ids { cluster.nodes[id]!.tick() }
                out += stabilize()
            }
            return out
        case "propose":
            do {
                let (term, index) = try cluster[n(0)].propose(Array(args[1].utf8))
                return ["ok \(term) \(index)"]
            } catch { return ["error \(error)"] }
        case "transfer":
            do {
                try cluster[n(0)].transferLeadership(to: NodeID(n(1)))
                return ["ok"]
            } catch { return ["error \(error)"] }
        case "read":
            do {
                try cluster[n(0)].readIndex(context: n(1))
                return ["ok"]
            } catch { return ["error \(error)"] }
        case "change":
            let target = NodeID(n(2))
            let change: MembershipChange = switch args[1] {
            case "add-learner": .addLearner(target)
            case "add-voter": .addVoter(target)
            case "promote": .promoteLearner(target)
            default: .remove(target)
            }
            do {
                let (term, index) = try cluster[n(0)].proposeMembershipChange(change)
                return ["ok \(term) \(index)"]
            } catch { return ["error \(error)"] }
        case "compact":
            cluster.compact(n(0), data: Array("snapshot-data".utf8))
            return ["snapshot at \(cluster[n(0)].snapshotIndex)"]
        case "isolate":
            cluster.isolated = Set(args.map { NodeID(UInt64($0)!) })
            return []
        case "heal":
            cluster.isolated = []
            return []
        case "stabilize":
            return stabilize()
        case "status":
            return cluster.ids.map { id in
                let c = cluster.nodes[id]!
                let reads = cluster.readStates[id, default: []].map { "\($0.context)@\($0.index)" }
                return "\(id) \(c.role.rawValue) \(c.term) leader=\(c.leader.map(\.description) ?? "-") commit=\(c.commitIndex.rawValue) applied=\(c.appliedIndex.rawValue) last=\(c.lastIndex.rawValue) snap=\(c.snapshotIndex.rawValue) voters=\(c.membership.voters.sorted().map(\.description).joined(separator: ",")) learners=\(c.membership.learners.sorted().map(\.description).joined(separator: ",")) reads=\(reads.joined(separator: ","))"
            }
        case "log":
            let c = cluster[n(0)]
            guard c.lastIndex > c.snapshotIndex else { return ["(empty after \(c.snapshotIndex))"] }
            return [c.entries(in: c.snapshotIndex.advanced(by: 1)...c.lastIndex).map { "\($0.index.rawValue):\($0.term.rawValue)\(kind($0))" }.joined(separator: " ")]
        default:
            return ["unknown command \(verb)"]
        }
    }

    func kind(_ entry: Entry) -> String {
        switch entry.kind {
        case .noop: "noop"
        case .membership: "cfg"
        case .command: "'\(String(decoding: entry.data, as: UTF8.self))'"
        }
    }

    /// Stabilizes, printing each message as it is delivered (or dropped).
    mutating func stabilize() -> [String] {
        var out: [String] = []
        for _ in 0..<1_000 {
            let before = cluster.trace.count
            cluster.processReadies()
            let sent = cluster.trace[before...]
            for m in sent {
                let dropped = cluster.isolated.contains(m.from) || cluster.isolated.contains(m.to)
                out.append("  \(m.from)->\(m.to) \(m.term) \(describe(m.body))\(dropped ? " DROPPED" : "")")
            }
            if !cluster.deliver() { break }
        }
        return out
    }

    func describe(_ body: PeerMessage.Body) -> String {
        switch body {
        case .preVote(let i, let t): "preVote last=\(i.rawValue)/\(t.rawValue)"
        case .preVoteResponse(let g): "preVoteResponse \(g ? "granted" : "rejected")"
        case .requestVote(let i, let t, let x): "requestVote last=\(i.rawValue)/\(t.rawValue)\(x ? " transfer" : "")"
        case .requestVoteResponse(let g): "requestVoteResponse \(g ? "granted" : "rejected")"
        case .append(let pi, let pt, let es, let c):
            "append prev=\(pi.rawValue)/\(pt.rawValue) entries=[\(es.map { "\($0.index.rawValue):\($0.term.rawValue)" }.joined(separator: " "))] commit=\(c.rawValue)"
        case .appendResponse(let ok, let m, let h, let ht):
            ok ? "appendResponse ok match=\(m.rawValue)" : "appendResponse reject at=\(m.rawValue) hint=\(h.rawValue)/\(ht.rawValue)"
        case .heartbeat(let c, let x): "heartbeat commit=\(c.rawValue) ctx=\(x)"
        case .heartbeatResponse(let x): "heartbeatResponse ctx=\(x)"
        case .installSnapshot(let m, let o, let ch, let d): "installSnapshot index=\(m.index.rawValue) offset=\(o) bytes=\(ch.count)\(d ? " done" : "")"
        case .installSnapshotResponse(let i, let b, let ok): "installSnapshotResponse index=\(i.rawValue) received=\(b) \(ok ? "ok" : "reject")"
        case .timeoutNow: "timeoutNow"
        case .readIndex(let x): "readIndex ctx=\(x)"
        case .readIndexResponse(let x, let i): "readIndexResponse ctx=\(x) index=\(i.rawValue)"
        }
    }
}
