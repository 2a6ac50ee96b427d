import Foundation
import LogStore
import RaftCore
import Testing

/// Real processes, real SIGKILL: every index the writer reported durable must be there
/// after recovery, in order, without gaps, with the right payload.
@Suite("LogStore crash recovery", .serialized)
struct CrashTests {
    /// The crash writer binary: `$LOGSTORE_CRASH_WRITER`, or next to the test bundle in
    /// `.build/<config>/`, or in this package's `.build/debug`.
    static func writerBinary() throws -> String {
        if let path = ProcessInfo.processInfo.environment["LOGSTORE_CRASH_WRITER"] { return path }
        var candidates: [String] = []
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            candidates.append((bundle.bundlePath as NSString).deletingLastPathComponent + "/logstore-crash-writer")
        }
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var dir = executable.deletingLastPathComponent()
        for _ in 0..<4 {
            candidates.append(dir.appendingPathComponent("logstore-crash-writer").path)
            dir = dir.deletingLastPathComponent()
        }
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(packageRoot.appendingPathComponent(".build/debug/logstore-crash-writer").path)
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw CrashTestFailure("logstore-crash-writer not found; build it (swift build --product logstore-crash-writer) or set LOGSTORE_CRASH_WRITER. Tried: \(candidates)")
        }
        return found
    }

    struct CrashTestFailure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// Durable indices printed so far (complete lines only).
    static func reportedIndices(_ path: String) -> [UInt64] {
        let text = String(decoding: fileBytes(path), as: UTF8.self)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        lines.removeLast()  // the part after the last newline is incomplete (or empty)
        return lines.compactMap { UInt64($0) }
    }

    @Test("SIGKILL at seeded points loses nothing reported durable", arguments: [101, 202, 303, 404, 505] as [UInt64])
    func killedWriterLosesNothingDurable(seed: UInt64) async throws {
        var random = SeededGenerator(seed: seed)
        let binary = try Self.writerBinary()
        let dir = TemporaryDirectory("crash")
        let logDir = dir.file("log")
        var highestEverReported: UInt64 = 0
        for round in 0..<3 {
            let output = dir.file("out-\(round).txt")
            _ = FileManager.default.createFile(atPath: output, contents: nil)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            let segmentBytes = [4096, 32_768, 1 << 20][Int.random(in: 0..<3, using: &random)]
            process.arguments = [logDir, String(segmentBytes), String(Int.random(in: 1...8, using: &random))]
            process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
            process.standardError = FileHandle.nullDevice
            try process.run()

            // Kill once the writer has reported a seeded number of durable batches.
            let target = Int.random(in: 5...400, using: &random)
            let deadline = ContinuousClock.now + .seconds(60)
            while Self.reportedIndices(output).count < target {
                guard process.isRunning else { throw CrashTestFailure("writer exited early (status \(process.terminationStatus))") }
                guard ContinuousClock.now < deadline else { throw CrashTestFailure("writer reported too little before the deadline") }
                try await Task.sleep(for: .milliseconds(2))
            }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            #expect(process.terminationReason == .uncaughtSignal)

            let reported = Self.reportedIndices(output)
            let highest = max(reported.max() ?? 0, highestEverReported)
            highestEverReported = highest
            let store = try LogStore(directory: logDir)
            #expect(store.lastIndex.rawValue >= highest, "seed \(seed) round \(round): lost durable entries")
            let entries = try store.entries(from: LogIndex(1), to: LogIndex(highest + 1))
            #expect(entries.count == Int(highest))
            for (offset, entry) in entries.enumerated() {
                let index = UInt64(offset + 1)
                guard entry.index.rawValue == index, entry.data == crashPayload(for: index), entry.term == Term(index / 1000 + 1) else {
                    Issue.record("seed \(seed) round \(round): entry \(index) wrong after crash")
                    break
                }
            }
            await store.close()
        }
    }
}
