import Foundation

/// Finds the `herald` and `heraldd` executables that `swift build` put beside the
/// test runner, and runs them as real child processes.
enum HeraldBinaries {
    /// The build products directory (`.build/debug`), found from the test runner's
    /// own path, or `HERALD_BIN_DIR` when set.
    static let directory: URL = {
        if let explicit = ProcessInfo.processInfo.environment["HERALD_BIN_DIR"] {
            return URL(fileURLWithPath: explicit)
        }
        var candidate = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<6 {
            if FileManager.default.isExecutableFile(atPath: candidate.appendingPathComponent("heraldd").path) {
                return candidate
            }
            candidate.deleteLastPathComponent()
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(".build/debug")
    }()

    /// The outcome of one run.
    struct Outcome {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `name` with `arguments` to completion and captures its output. Output goes
    /// to files, so a chatty child never blocks on a full pipe.
    /// - Throws: `TimeoutError` if the child has not exited by the deadline (it is killed).
    static func run(_ name: String, _ arguments: [String], timeout: Duration = .seconds(60)) throws -> Outcome {
        let scratch = try TemporaryDirectory()
        let outURL = scratch.url.appendingPathComponent("stdout")
        let errURL = scratch.url.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let process = Process()
        process.executableURL = directory.appendingPathComponent(name)
        process.arguments = arguments
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        try process.run()
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now > deadline {
                kill(process.processIdentifier, SIGKILL)
                throw TimeoutError(command: "\(name) \(arguments.joined(separator: " "))")
            }
            usleep(5_000)
        }
        return Outcome(status: process.terminationStatus,
                       stdout: try String(contentsOf: outURL, encoding: .utf8),
                       stderr: try String(contentsOf: errURL, encoding: .utf8))
    }

    /// A child that did not finish in time.
    struct TimeoutError: Error, CustomStringConvertible {
        var command: String
        var description: String { "timed out waiting for \(command)" }
    }
}

/// A fresh directory under the system temporary directory, removed on deinit.
final class TemporaryDirectory: Sendable {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("herald-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// Writes `text` to `name` inside the directory and returns its path.
    func write(_ name: String, _ text: String) throws -> String {
        let path = url.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }
}
