import Foundation
@testable import HeraldNode
import StateStore

/// Opens a state store the way a node does.
func openStore(_ path: String) throws -> StateStore {
    try StateStore(path: path, options: QueueApplier.storeOptions)
}

/// A fresh directory, removed when the value goes away.
final class TemporaryDirectory {
    let path: String

    init() throws {
        var template = Array((NSTemporaryDirectory() + "herald-node-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw CocoaError(.fileWriteUnknown) }
        path = String(cString: made)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { path + "/" + name }
}
