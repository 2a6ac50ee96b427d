import Foundation
import StateStore
import Testing

/// `DurableFiles.makeDirectory`: what it creates and refuses (its fsyncs of the new
/// directories' parents are not observable without cutting the power).
@Suite("durable directory creation")
struct DurableDirectoryTests {
    @Test("missing parents are created, an existing directory is left as it is")
    func createsMissingParents() throws {
        let root = TemporaryDirectory("durable-dir")
        let nested = root.file("a/b/c")
        try DurableFiles.makeDirectory(nested)
        var isDirectory: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: nested, isDirectory: &isDirectory) && isDirectory.boolValue)
        try Data([1]).write(to: URL(fileURLWithPath: nested + "/kept"))
        try DurableFiles.makeDirectory(nested)
        #expect(FileManager.default.fileExists(atPath: nested + "/kept"))
    }

    @Test("a regular file, or a path through one, is refused with the mkdir step named")
    func refusesFiles() throws {
        let root = TemporaryDirectory("durable-dir")
        try Data([1]).write(to: URL(fileURLWithPath: root.file("file")))
        for path in [root.file("file/sub"), root.file("file")] {
            #expect {
                try DurableFiles.makeDirectory(path)
            } throws: { error in
                guard case .io(let operation, let failedPath, _) = error as? StateStoreError else { return false }
                return operation == "mkdir" && failedPath == path
            }
        }
    }

    @Test("a store opened in a missing directory creates it with its parents")
    func storeCreatesParents() throws {
        let root = TemporaryDirectory("durable-dir")
        let path = root.file("node-1/state")
        let store = try openStore(path)
        var batch = WriteBatch()
        batch.put(bytes("v"), for: bytes("k"), in: "queue")
        try store.write(batch, sync: true)
        #expect(FileManager.default.fileExists(atPath: path + "/CURRENT"))
    }
}
