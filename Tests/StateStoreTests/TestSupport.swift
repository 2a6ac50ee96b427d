import Foundation
import RaftCore
import StateStore

/// A fresh directory under the system temp dir, removed when the value goes away.
final class TemporaryDirectory {
    let path: String

    init(_ label: String = "statestore") {
        var bytes = Array((NSTemporaryDirectory() + "herald-\(label)-XXXXXX").utf8CString)
        guard let made = mkdtemp(&bytes) else { fatalError("mkdtemp failed") }
        path = String(cString: made)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { path + "/" + name }
}

func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

let testFamilies = ["bodies", "queue", "suppression"]

func openStore(_ path: String) throws -> StateStore {
    try StateStore(path: path, options: StateStoreOptions(columnFamilies: testFamilies))
}

/// Fills a store with `count` applied entries: a body in `bodies` and an index key in `queue`.
func fill(_ store: StateStore, entries range: ClosedRange<UInt64>, bodySize: Int = 2000) throws {
    for index in range {
        var batch = WriteBatch()
        batch.put([UInt8](repeating: UInt8(truncatingIfNeeded: index), count: bodySize), for: bytes("msg/\(index)"), in: "bodies")
        batch.put(bytes("pending"), for: bytes("q/\(index)"), in: "queue")
        try store.apply(batch: batch, appliedIndex: LogIndex(index))
    }
}
