import Foundation
import Testing

/// The repository's top level, found from this source file's path.
let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// One broken configuration: what to change in cluster.example.json and the exact line
/// both `herald config check` and `heraldd` must print.
struct BrokenConfig: Sendable, CustomTestStringConvertible {
    var name: String
    var original: String
    var replacement: String
    var expected: String
    var testDescription: String { name }
}

let brokenConfigs: [BrokenConfig] = [
    BrokenConfig(name: "unknown key", original: #""heartbeatTicks": 1,"#,
                 replacement: #""heartbeatTicks": 1, "electionTimeout": 3,"#,
                 expected: "raft.electionTimeout: unknown key"),
    BrokenConfig(name: "missing key", original: #""region": "local-b","#, replacement: "",
                 expected: "nodes[1].region: missing required key"),
    BrokenConfig(name: "wrong type", original: #""tickMilliseconds": 50"#,
                 replacement: #""tickMilliseconds": "50ms""#,
                 expected: "raft.tickMilliseconds: expected an integer, found a string"),
    BrokenConfig(name: "duplicate node id", original: #""id": 3"#, replacement: #""id": 2"#,
                 expected: "nodes[2].id: duplicate node id 2 (also nodes[1].id)"),
    BrokenConfig(name: "duplicate address", original: #""clientAddress": "127.0.0.1:7203""#,
                 replacement: #""clientAddress": "127.0.0.1:7202""#,
                 expected: #"nodes[2].clientAddress: "127.0.0.1:7202" is already used by nodes[1].clientAddress"#),
    BrokenConfig(name: "unparsable address", original: #""peerAddress": "127.0.0.1:7103""#,
                 replacement: #""peerAddress": "10.0.0.1""#,
                 expected: #"nodes[2].peerAddress: "10.0.0.1" has no port"#),
    BrokenConfig(name: "impossible timing", original: #""electionTicks": 8"#,
                 replacement: #""electionTicks": 1"#,
                 expected: "raft.electionTicks: 1 must be above raft.heartbeatTicks (1)"),
]

@Suite("herald config check and heraldd on real files")
struct ConfigCheckProcessTests {
    let example = try! String(contentsOf: repositoryRoot.appendingPathComponent("cluster.example.json"), encoding: .utf8)

    @Test("the shipped example is valid")
    func exampleIsValid() throws {
        let outcome = try HeraldBinaries.run("herald", ["config", "check", repositoryRoot.appendingPathComponent("cluster.example.json").path])
        #expect(outcome.status == 0, "stderr: \(outcome.stderr)")
        #expect(outcome.stdout.contains(#"ok: cluster "herald-local", 3 nodes"#))
    }

    @Test("herald config check prints one exact line and exits 2", arguments: brokenConfigs)
    func checkRejects(_ broken: BrokenConfig) throws {
        let scratch = try TemporaryDirectory()
        let path = try scratch.write("cluster.json", try mutate(broken))
        let outcome = try HeraldBinaries.run("herald", ["config", "check", path])
        #expect(outcome.status == 2)
        #expect(outcome.stderr == "\(path): \(broken.expected)\n")
        #expect(outcome.stdout.isEmpty)
    }

    @Test("heraldd refuses the same way before creating any file", arguments: brokenConfigs)
    func daemonRejects(_ broken: BrokenConfig) throws {
        let scratch = try TemporaryDirectory()
        let path = try scratch.write("cluster.json", try mutate(broken))
        let outcome = try HeraldBinaries.run("heraldd", ["--config", path, "--node", "1"])
        #expect(outcome.status == 2)
        #expect(outcome.stderr == "\(path): \(broken.expected)\n")
        // The configured data directory ("data", beside the file) was never created.
        let entries = try FileManager.default.contentsOfDirectory(atPath: scratch.url.path)
        #expect(entries == ["cluster.json"])
    }

    @Test("a missing file is a clear error with exit code 2")
    func missingFile() throws {
        let outcome = try HeraldBinaries.run("herald", ["config", "check", "/nonexistent/cluster.json"])
        #expect(outcome.status == 2)
        #expect(outcome.stderr.hasPrefix("/nonexistent/cluster.json: cannot read the file"))
    }

    @Test("heraldd refuses a node id the file does not list")
    func unknownNode() throws {
        let scratch = try TemporaryDirectory()
        let path = try scratch.write("cluster.json", example)
        let outcome = try HeraldBinaries.run("heraldd", ["--config", path, "--node", "9"])
        #expect(outcome.status == 2)
        #expect(outcome.stderr == "\(path): nodes: no node with id 9 (configured: 1, 2, 3)\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.url.path) == ["cluster.json"])
    }

    @Test("a usage error exits 2")
    func usageError() throws {
        let outcome = try HeraldBinaries.run("herald", ["config", "check"])
        #expect(outcome.status == 2)
        #expect(outcome.stderr.contains("Missing expected argument"))
    }

    private func mutate(_ broken: BrokenConfig) throws -> String {
        guard let range = example.range(of: broken.original) else {
            throw FixtureError(text: broken.original)
        }
        return example.replacingCharacters(in: range, with: broken.replacement)
    }

    struct FixtureError: Error { var text: String }
}
