import Foundation
internal import Glibc

/// File-system steps that must be durable: fsync of files and directories, atomic
/// replacement, recursive listing. Foundation handles names; Glibc does the syncing.
public enum DurableFiles {
    static func fail(_ operation: String, _ path: String) -> StateStoreError {
        .io(operation: operation, path: path, errno: errno)
    }

    /// fsyncs a file or directory.
    static func sync(_ path: String) throws(StateStoreError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw fail("open", path) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw fail("fsync", path) }
    }

    /// fsyncs the directory holding `path` (the working directory for a bare name).
    static func syncParent(of path: String) throws(StateStoreError) {
        let parent = (path as NSString).deletingLastPathComponent
        try sync(parent.isEmpty ? "." : parent)
    }

    /// Writes `bytes` to `path` through a temp file, fsyncs it, renames it into place and
    /// fsyncs the directory.
    /// - Throws: `.io` naming the step that failed.
    public static func replace(_ path: String, with bytes: [UInt8]) throws(StateStoreError) {
        let temp = path + ".tmp"
        guard FileManager.default.createFile(atPath: temp, contents: Data(bytes)) else { throw fail("create", temp) }
        try sync(temp)
        try rename(temp, path)
        try syncParent(of: path)
    }

    /// Renames `from` to `to` (which MUST NOT be a non-empty directory) and fsyncs the
    /// directories involved, so the new name survives a power loss.
    /// - Throws: `.io` naming the step that failed.
    public static func move(_ from: String, to: String) throws(StateStoreError) {
        try rename(from, to)
        try syncParent(of: to)
        let source = (from as NSString).deletingLastPathComponent, target = (to as NSString).deletingLastPathComponent
        if source != target { try syncParent(of: from) }
    }

    static func rename(_ from: String, _ to: String) throws(StateStoreError) {
        guard Glibc.rename(from, to) == 0 else { throw fail("rename", from) }
    }

    static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    /// Removes `path` (recursively) if it exists.
    /// - Parameters:
    ///   - path: a file or directory.
    ///   - durably: also fsync the directory that held it, so the removal survives a
    ///     power loss.
    /// - Throws: `.io` naming the step that failed.
    public static func remove(_ path: String, durably: Bool = false) throws(StateStoreError) {
        guard exists(path) else { return }
        do { try FileManager.default.removeItem(atPath: path) } catch { throw fail("remove", path) }
        if durably { try syncParent(of: path) }
    }

    /// Creates `path` and any missing parents, then fsyncs the parent of each directory
    /// it created, so that they are still there after a power loss (a new directory's
    /// name lives in its parent, which fsyncs of files inside it do not cover).
    /// - Throws: `.io` naming the step that failed.
    public static func makeDirectory(_ path: String) throws(StateStoreError) {
        var missing: [String] = []
        var ancestor = path
        while !ancestor.isEmpty, ancestor != "/", !exists(ancestor) {
            missing.append(ancestor)
            ancestor = (ancestor as NSString).deletingLastPathComponent
        }
        guard !missing.isEmpty else {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
                throw .io(operation: "mkdir", path: path, errno: ENOTDIR)
            }
            return
        }
        do { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
            throw fail("mkdir", path)
        }
        for created in missing.reversed() { try syncParent(of: created) }
    }

    /// Regular files under `directory`, as sorted relative paths.
    static func files(under directory: String) throws(StateStoreError) -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: directory) else { throw fail("opendir", directory) }
        var files: [String] = []
        while let relative = enumerator.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: directory + "/" + relative, isDirectory: &isDirectory), !isDirectory.boolValue {
                files.append(relative)
            }
        }
        return files.sorted()
    }

    /// Whether `directory` is missing or holds nothing.
    /// - Throws: `.io` when it exists but cannot be listed (no permission, not a
    ///   directory): such a target is not known to be empty.
    static func isEmptyOrMissing(_ directory: String) throws(StateStoreError) -> Bool {
        guard exists(directory) else { return true }
        do {
            return try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty
        } catch {
            throw fail("opendir", directory)
        }
    }
}
