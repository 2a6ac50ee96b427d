import Foundation
import Testing

@Suite("heraldd process lifecycle")
struct DaemonLifecycleTests {
    /// A one-node config on free loopback ports, written into `directory`.
    func writeConfig(in directory: TemporaryDirectory) throws -> (path: String, httpPort: Int) {
        let peer = try LocalPorts.free(), client = try LocalPorts.free(), http = try LocalPorts.free()
        let text = """
            {"clusterName": "lifecycle", "dataDirectory": "data",
             "raft": {"tickMilliseconds": 100, "heartbeatTicks": 1, "electionTicks": 10},
             "nodes": [{"id": 1, "region": "r", "peerAddress": "127.0.0.1:\(peer)",
                        "clientAddress": "127.0.0.1:\(client)", "httpAddress": "127.0.0.1:\(http)"}]}
            """
        return (try directory.write("cluster.json", text), http)
    }

    func launch(_ config: String) throws -> Process {
        let process = Process()
        process.executableURL = HeraldBinaries.directory.appendingPathComponent("heraldd")
        process.arguments = ["--config", config, "--node", "1", "--log-level", "warning"]
        try process.run()
        return process
    }

    @Test("serves /healthz and /v1/status, locks its data directory, exits 0 on SIGTERM")
    func servesAndStopsCleanly() throws {
        let scratch = try TemporaryDirectory()
        let (config, httpPort) = try writeConfig(in: scratch)
        let daemon = try launch(config)
        defer { if daemon.isRunning { kill(daemon.processIdentifier, SIGKILL) } }

        #expect(waitUntil { LocalPorts.get(port: httpPort, path: "/healthz")?.status == 200 })
        let status = LocalPorts.get(port: httpPort, path: "/v1/status")
        #expect(status?.status == 200)
        #expect(status?.body.contains(#""cluster":"lifecycle","node":1"#) == true)
        #expect(LocalPorts.get(port: httpPort, path: "/nope")?.status == 404)

        // A second daemon for the same node must not share the data directory.
        let second = try HeraldBinaries.run("heraldd", ["--config", config, "--node", "1"], timeout: .seconds(30))
        #expect(second.status == 1)
        #expect(second.stderr.contains("is in use by another heraldd (pid \(daemon.processIdentifier))"))

        kill(daemon.processIdentifier, SIGTERM)
        #expect(waitUntil { !daemon.isRunning })
        #expect(daemon.terminationReason == .exit)
        #expect(daemon.terminationStatus == 0)
    }

    @Test("raises its soft open-files limit to the hard limit at start")
    func raisesOpenFilesLimit() throws {
        let scratch = try TemporaryDirectory()
        let (config, httpPort) = try writeConfig(in: scratch)
        let heraldd = HeraldBinaries.directory.appendingPathComponent("heraldd").path
        // Started the way a default service or shell starts it: a soft limit of 256.
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/bin/sh")
        shell.arguments = ["-c", "ulimit -Sn 256 && exec \"$0\" --config \"$1\" --node 1 --log-level warning", heraldd, config]
        try shell.run()
        defer { if shell.isRunning { kill(shell.processIdentifier, SIGKILL) } }
        #expect(waitUntil { LocalPorts.get(port: httpPort, path: "/healthz")?.status == 200 })

        let limits = try String(contentsOfFile: "/proc/\(shell.processIdentifier)/limits", encoding: .utf8)
        let line = try #require(limits.split(separator: "\n").first { $0.hasPrefix("Max open files") })
        let numbers = line.split(separator: " ").compactMap { UInt64($0) }
        try #require(numbers.count == 2, "\(line)")
        #expect(numbers[0] == numbers[1] && numbers[0] > 256, "\(line)")
        kill(shell.processIdentifier, SIGTERM)
        #expect(waitUntil { !shell.isRunning })
    }
}
