import Foundation
import Synchronization

/// A real Herald cluster for tests: N `heraldd` processes on loopback with free ports,
/// a generated configuration and data in a temporary directory. Every process left
/// running is killed when the cluster is released.
final class LocalCluster: Sendable {
    struct Node {
        var id: UInt64
        /// The peer address in the configuration (the proxy's port when proxied).
        var peerPort: Int
        /// Where the node really accepts peers (`--peer-listen`) when proxied.
        var peerListenPort: Int?
        var clientPort: Int
        var httpPort: Int
    }

    let directory: TemporaryDirectory
    let configPath: String
    let nodes: [Node]
    /// Sits between every pair of nodes when the cluster was created with `proxied: true`.
    let proxy: PeerProxy?
    /// NB: `Process` is not Sendable, but each is only signalled and polled here, under the lock.
    private let processes = Mutex<[UInt64: ProcessBox]>([:])

    /// Writes the configuration; starts nothing.
    /// - Parameter proxied: route all peer traffic through a `PeerProxy` (so the test can
    ///   cut the network); otherwise nodes dial each other directly.
    /// - Parameter snapshotEntries: `raft.snapshotEntries` (the node's default when nil).
    init(size: Int, name: String = "test", electionTicks: Int = 10, tickMilliseconds: Int = 100,
         proxied: Bool = false, snapshotEntries: Int? = nil) throws {
        directory = try TemporaryDirectory()
        var nodes: [Node] = []
        for id in 1...size {
            nodes.append(Node(id: UInt64(id), peerPort: try LocalPorts.free(),
                              peerListenPort: try proxied ? LocalPorts.free() : nil,
                              clientPort: try LocalPorts.free(), httpPort: try LocalPorts.free()))
        }
        self.nodes = nodes
        proxy = try proxied ? PeerProxy(routes: Dictionary(uniqueKeysWithValues: nodes.map {
            ($0.id, (proxyPort: $0.peerPort, realPort: $0.peerListenPort!))
        })) : nil
        let entries = nodes.map { node in
            """
            {"id": \(node.id), "region": "r\(node.id)", "peerAddress": "127.0.0.1:\(node.peerPort)",
             "clientAddress": "127.0.0.1:\(node.clientPort)", "httpAddress": "127.0.0.1:\(node.httpPort)"}
            """
        }
        let config = """
            {"clusterName": "\(name)", "dataDirectory": "data",
             "raft": {"tickMilliseconds": \(tickMilliseconds), "heartbeatTicks": 1, "electionTicks": \(electionTicks)\
            \(snapshotEntries.map { ", \"snapshotEntries\": \($0)" } ?? "")},
             "nodes": [\(entries.joined(separator: ",\n"))]}
            """
        configPath = try directory.write("cluster.json", config)
    }

    deinit {
        proxy?.stop()
        for box in processes.withLock({ Array($0.values) }) where box.process.isRunning {
            kill(box.process.processIdentifier, SIGKILL)
            box.process.waitUntilExit()
        }
    }

    /// Rewrites the configuration file (before the nodes start).
    func editConfig(_ edit: (inout [String: Any]) -> Void) throws {
        let url = URL(fileURLWithPath: configPath)
        var config = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        edit(&config)
        try JSONSerialization.data(withJSONObject: config).write(to: url)
    }

    func node(_ id: UInt64) -> Node { nodes.first { $0.id == id }! }

    /// Starts node `id` (again), appending its output to `node-<id>.log`.
    /// - Parameter environment: variables added to the node's environment (failpoints).
    func start(_ id: UInt64, environment: [String: String] = [:]) throws {
        let logURL = directory.url.appendingPathComponent("node-\(id).log")
        if !FileManager.default.fileExists(atPath: logURL.path) {
            _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        }
        let log = try FileHandle(forWritingTo: logURL)
        try log.seekToEnd()
        let process = Process()
        process.executableURL = HeraldBinaries.directory.appendingPathComponent("heraldd")
        process.arguments = ["--config", configPath, "--node", "\(id)", "--log-level", "info"]
            + (node(id).peerListenPort.map { ["--peer-listen", "127.0.0.1:\($0)"] } ?? [])
        process.standardOutput = log
        process.standardError = log
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, added in added }
        }
        try process.run()
        processes.withLock { $0[id] = ProcessBox(process: process) }
    }

    func startAll() throws {
        for node in nodes { try start(node.id) }
    }

    /// Sends `signal` to node `id` and waits (with a deadline) for it to exit.
    @discardableResult
    func stop(_ id: UInt64, signal: Int32 = SIGKILL) -> Process? {
        guard let process = processes.withLock({ $0.removeValue(forKey: id) })?.process else { return nil }
        kill(process.processIdentifier, signal)
        _ = waitUntil(timeout: .seconds(30)) { !process.isRunning }
        return process
    }

    func isRunning(_ id: UInt64) -> Bool { processes.withLock { $0[id]?.process.isRunning ?? false } }

    /// Node `id`'s `/v1/status`, or nil when it does not answer.
    func status(_ id: UInt64) -> [String: Any]? {
        guard let response = LocalPorts.get(port: node(id).httpPort, path: "/v1/status"), response.status == 200,
              let object = try? JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any] else {
            return nil
        }
        return object
    }

    /// The leader that every running node agrees on, once they do (within `timeout`).
    func waitForAgreedLeader(timeout: Duration = .seconds(30)) -> UInt64? {
        var agreed: UInt64?
        _ = waitUntil(timeout: timeout) {
            let running = nodes.map(\.id).filter(isRunning)
            let statuses = running.compactMap(status)
            guard statuses.count == running.count,
                  let leader = statuses.first?["leader"] as? Int,
                  statuses.allSatisfy({ ($0["leader"] as? Int) == leader }),
                  running.contains(UInt64(leader)),
                  let leaderStatus = status(UInt64(leader)), leaderStatus["role"] as? String == "leader" else {
                return false
            }
            agreed = UInt64(leader)
            return true
        }
        return agreed
    }

    /// The last lines of every node's log, for failure messages.
    func logTails(lines: Int = 15) -> String {
        nodes.map { node in
            let path = directory.url.appendingPathComponent("node-\(node.id).log").path
            let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            return "--- node \(node.id)\n" + text.split(separator: "\n").suffix(lines).joined(separator: "\n")
        }.joined(separator: "\n")
    }
}

/// A child process handle that may cross tasks: it is only signalled and polled.
struct ProcessBox: @unchecked Sendable {
    let process: Process
}
