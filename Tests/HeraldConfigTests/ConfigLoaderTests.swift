import Foundation
import HeraldConfig
import Testing

/// A valid configuration the tests mutate one key at a time.
let validConfig = """
    {
      "clusterName": "test",
      "dataDirectory": "data",
      "raft": {"tickMilliseconds": 100, "heartbeatTicks": 1, "electionTicks": 10},
      "nodes": [
        {"id": 1, "region": "a", "peerAddress": "127.0.0.1:7101", "clientAddress": "127.0.0.1:7201", "httpAddress": "127.0.0.1:7301"},
        {"id": 2, "region": "b", "peerAddress": "127.0.0.1:7102", "clientAddress": "127.0.0.1:7202", "httpAddress": "127.0.0.1:7302"},
        {"id": 3, "region": "c", "peerAddress": "[::1]:7103", "clientAddress": "localhost:7203", "httpAddress": "127.0.0.1:7303"}
      ]
    }
    """

func load(_ text: String) throws(ConfigError) -> ClusterConfig {
    try ConfigLoader.parse(Array(text.utf8), file: "cluster.json", baseDirectory: "/etc/herald")
}

func loadError(_ text: String) -> String? {
    do {
        _ = try load(text)
        return nil
    } catch {
        return error.description
    }
}

@Suite("configuration loader")
struct ConfigLoaderTests {
    @Test("a valid file loads with every field and resolved paths")
    func validFileLoads() throws {
        let config = try load(validConfig)
        #expect(config.clusterName == "test")
        #expect(config.dataDirectory == "/etc/herald/data")
        #expect(config.raft == RaftTimings(tickMilliseconds: 100, heartbeatTicks: 1, electionTicks: 10))
        #expect(config.raft.snapshotEntries == RaftTimings.defaultSnapshotEntries)
        #expect(config.nodes.map(\.id) == [1, 2, 3])
        #expect(config.nodes[2].peerAddress == Endpoint(host: "::1", port: 7103))
        #expect(config.nodes[2].clientAddress == Endpoint(host: "localhost", port: 7203))
        #expect(config.dataDirectory(of: config.nodes[1]) == "/etc/herald/data/node-2")
    }

    @Test("raft.snapshotEntries is read when present")
    func snapshotEntriesRead() throws {
        let config = try load(validConfig.replacingOccurrences(of: #""electionTicks": 10"#,
                                                               with: #""electionTicks": 10, "snapshotEntries": 5000"#))
        #expect(config.raft.snapshotEntries == 5000)
    }

    @Test("each invalid case names the key path", arguments: [
        (#""peerAddress": "127.0.0.1:7102""#, #""peerAddress": "10.0.0.1""#,
         #"cluster.json: nodes[1].peerAddress: "10.0.0.1" has no port"#),
        (#""peerAddress": "127.0.0.1:7102""#, #""peerAddress": "10.0.0.1:70000""#,
         #"cluster.json: nodes[1].peerAddress: "10.0.0.1:70000" has an invalid port (expected 1-65535)"#),
        (#""peerAddress": "127.0.0.1:7102""#, #""peerAddress": "::1:7102""#,
         #"cluster.json: nodes[1].peerAddress: "::1:7102": write IPv6 addresses in brackets, like [::1]:7101"#),
        (#""heartbeatTicks": 1,"#, #""heartbeatTicks": 1, "electionTick": 3,"#,
         #"cluster.json: raft.electionTick: unknown key (did you mean "electionTicks"?)"#),
        (#""region": "b", "#, "",
         "cluster.json: nodes[1].region: missing required key"),
        (#""electionTicks": 10"#, #""electionTicks": "10""#,
         "cluster.json: raft.electionTicks: expected an integer, found a string"),
        (#""electionTicks": 10"#, #""electionTicks": 1"#,
         "cluster.json: raft.electionTicks: 1 must be above raft.heartbeatTicks (1)"),
        (#""id": 3"#, #""id": 1"#,
         "cluster.json: nodes[2].id: duplicate node id 1 (also nodes[0].id)"),
        (#""httpAddress": "127.0.0.1:7303""#, #""httpAddress": "127.0.0.1:7101""#,
         #"cluster.json: nodes[2].httpAddress: "127.0.0.1:7101" is already used by nodes[0].peerAddress"#),
        (#""nodes": ["#, #""nodes": 7, "x": ["#,
         "cluster.json: x: unknown key"),
        (#""clusterName": "test","#, #""clusterName": "test", "clusterName": "again","#,
         "cluster.json: clusterName: duplicate key (line 2, column 26)"),
        (#""tickMilliseconds": 100"#, #""tickMilliseconds": 1.5"#,
         "cluster.json: raft.tickMilliseconds: expected an integer, found 1.5"),
        (#""electionTicks": 10"#, #""electionTicks": 10, "snapshotEntries": 5"#,
         "cluster.json: raft.snapshotEntries: 5 is out of range (10-100000000)"),
        (#""electionTicks": 10"#, #""electionTicks": 10, "snapshotEntries": "many""#,
         "cluster.json: raft.snapshotEntries: expected an integer, found a string"),
        (#""id": 1,"#, #""id": 0,"#,
         "cluster.json: nodes[0].id: 0 is out of range (1-9223372036854775807)"),
    ])
    func invalidCase(original: String, replacement: String, expected: String) {
        let range = validConfig.range(of: original)
        #expect(range != nil, "fixture text not found: \(original)")
        guard let range else { return }
        let mutated = validConfig.replacingCharacters(in: range, with: replacement)
        #expect(loadError(mutated) == expected)
    }

    @Test("the optional backup section is read and checked")
    func backupSection() throws {
        let withBackup = validConfig.replacingOccurrences(
            of: #""dataDirectory": "data","#,
            with: #""dataDirectory": "data", "backup": {"directory": "/backups", "intervalMinutes": 15, "keep": 4},"#)
        let config = try load(withBackup)
        #expect(config.backup == BackupSchedule(directory: "/backups", intervalMinutes: 15, keep: 4))
        #expect(config.backupDirectory(of: config.nodes[0]) == "/backups/node-1")
        #expect(try load(validConfig).backup == nil)
        let zeroKeep = withBackup.replacingOccurrences(of: #""keep": 4"#, with: #""keep": 0"#)
        #expect(loadError(zeroKeep) == "cluster.json: backup.keep: 0 is out of range (1-10000)")
        let misspelt = withBackup.replacingOccurrences(of: #""intervalMinutes""#, with: #""intervalMinute""#)
        #expect(loadError(misspelt) == #"cluster.json: backup.intervalMinute: unknown key (did you mean "intervalMinutes"?)"#)
    }

    @Test("the optional storage section sets the free space below which new mail is refused")
    func storageSection() throws {
        func withStorage(_ body: String) -> String {
            validConfig.replacingOccurrences(of: #""dataDirectory": "data","#,
                                              with: #""dataDirectory": "data", "storage": "# + body + ",")
        }
        #expect(try load(validConfig).storage.minFreeBytes == 1 << 30)
        #expect(try load(withStorage("{}")).storage.minFreeBytes == 1 << 30)
        #expect(try load(withStorage(#"{"minFreeMegabytes": 512}"#)).storage.minFreeBytes == 512 << 20)
        #expect(try load(withStorage(#"{"minFreeMegabytes": 0}"#)).storage.minFreeBytes == 0)
        #expect(loadError(withStorage(#"{"minFreeMegabytes": -1}"#))
            == "cluster.json: storage.minFreeMegabytes: -1 is out of range (0-1073741824)")
        #expect(loadError(withStorage(#"{"minFreeMegabytes": "1G"}"#))
            == "cluster.json: storage.minFreeMegabytes: expected an integer, found a string")
        #expect(loadError(withStorage(#"{"minFreeMB": 5}"#))?.hasPrefix("cluster.json: storage.minFreeMB: unknown key") == true)
        #expect(loadError(withStorage("[]")) == "cluster.json: storage: expected an object, found an array")
    }

    @Test("the optional idempotency section sets the window in seconds")
    func idempotencySection() throws {
        func with(_ body: String) -> String {
            validConfig.replacingOccurrences(of: #""dataDirectory": "data","#,
                                              with: #""dataDirectory": "data", "idempotency": "# + body + ",")
        }
        #expect(try load(validConfig).idempotency.windowSeconds == 86_400)
        #expect(try load(with(#"{"windowSeconds": 3600}"#)).idempotency.windowSeconds == 3_600)
        #expect(loadError(with(#"{"windowSeconds": 0}"#))
            == "cluster.json: idempotency.windowSeconds: 0 is out of range (1-2592000)")
        #expect(loadError(with(#"{"window": 5}"#))?.hasPrefix("cluster.json: idempotency.window: unknown key") == true)
    }

    @Test("an empty node list is refused")
    func emptyNodeList() {
        let text = #"{"clusterName": "x", "dataDirectory": "/d", "raft": {"tickMilliseconds": 100, "heartbeatTicks": 1, "electionTicks": 10}, "nodes": []}"#
        #expect(loadError(text) == "cluster.json: nodes: must list at least one node")
    }

    @Test("a truncated file is not valid JSON, with the position")
    func truncatedFile() {
        #expect(loadError(String(validConfig.dropLast())) == "cluster.json: not valid JSON: expected ',' or '}' in an object at line 10, column 1")
    }

    @Test("the top level must be an object")
    func topLevelMustBeObject() {
        #expect(loadError("[1, 2]") == "cluster.json: expected an object, found an array")
    }
}
