import Foundation
import LogStore
import RaftCore
import Testing

/// A fresh directory under the system temp dir, removed when the value goes away.
final class TemporaryDirectory {
    let path: String

    init(_ label: String = "logstore") {
        let template = NSTemporaryDirectory() + "herald-\(label)-XXXXXX"
        var bytes = Array(template.utf8CString)
        guard let made = mkdtemp(&bytes) else { fatalError("mkdtemp failed") }
        path = String(cString: made)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { path + "/" + name }
}

/// SplitMix64: a tiny seeded generator so every failing run can be replayed.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Entries `first...last` with a payload of `size` bytes derived from the index.
func makeEntries(_ range: ClosedRange<UInt64>, term: UInt64 = 1, size: Int = 100) -> [Entry] {
    range.map { index in
        Entry(term: Term(term), index: LogIndex(index), data: (0..<size).map { UInt8(truncatingIfNeeded: index &* 31 &+ UInt64($0)) })
    }
}

/// The crash writer's payload function (a copy of `CrashPayload.bytes(for:)`).
func crashPayload(for index: UInt64) -> [UInt8] {
    let size = Int(1 + (index &* 7919) % 3000)
    return (0..<size).map { UInt8(truncatingIfNeeded: index &+ UInt64($0 / 16)) }
}

func segmentName(_ first: UInt64) -> String {
    let digits = String(first)
    return "segment-" + String(repeating: "0", count: 20 - digits.count) + digits + ".log"
}

func fileBytes(_ path: String) -> [UInt8] { Array(FileManager.default.contents(atPath: path) ?? Data()) }

func writeBytes(_ bytes: [UInt8], to path: String) {
    _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
}

func segmentFiles(in directory: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasPrefix("segment-") }.sorted()
}

/// Polls `condition` every 2 ms until it holds or `timeout` passes.
/// - Returns: whether it held in time.
func eventually(within timeout: Duration = .seconds(10), _ condition: () throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while try !condition() {
        guard ContinuousClock.now < deadline else { return false }
        try await Task.sleep(for: .milliseconds(2))
    }
    return true
}

/// `store.appendOnCallingThread(entries)` once the writer thread has let go of its
/// round: an awaited write is answered before its round ends, so right after one the
/// lock may still be held for a moment (and the call does nothing, returning false).
func appendOnCallingThreadWhenFree(_ entries: [Entry], hardState: HardState? = nil, to store: LogStore) async throws {
    if try await !eventually({ try store.appendOnCallingThread(entries, hardState: hardState) }) {
        Issue.record("the writer thread kept its round lock for 10 s")
    }
}
