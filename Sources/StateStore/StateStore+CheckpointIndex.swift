internal import CRocksDB
internal import Glibc
public import RaftCore

extension StateStore {
    /// The applied index a checkpoint holds, read without opening it for writing (a
    /// read-only open changes no file, so the checkpoint can still be sealed and served
    /// byte for byte).
    ///
    /// A checkpoint taken while entries are being applied holds the state after some
    /// whole apply batch: every batch writes its mutations and the applied index
    /// atomically, and without a write-ahead log the memtables of all column families
    /// are flushed together. This reads which batch that was.
    /// - Parameter directory: a directory written by `checkpoint(to:)`.
    /// - Returns: the applied index stored in the checkpoint's `meta` family.
    /// - Throws: `.rocksdb` when the directory is not a readable store.
    public static func appliedIndex(ofCheckpoint directory: String) throws(StateStoreError) -> LogIndex {
        let options = rocksdb_options_create()!
        defer { rocksdb_options_destroy(options) }
        let names = ["default", StateStoreOptions.metaFamily]
        let cNames = names.map { strdup($0)! }
        defer { cNames.forEach { free($0) } }
        let namePointers: [UnsafePointer<CChar>?] = cNames.map { UnsafePointer($0) }
        let optionPointers: [OpaquePointer?] = names.map { _ in options }
        var handles = [OpaquePointer?](repeating: nil, count: names.count)
        let db = try rocksCall { error in
            rocksdb_open_for_read_only_column_families(options, directory, Int32(names.count), namePointers,
                                                       optionPointers, &handles, 0, error)
        }!
        defer {
            handles.forEach { rocksdb_column_family_handle_destroy($0) }
            rocksdb_close(db)
        }
        let readOptions = rocksdb_readoptions_create()!
        defer { rocksdb_readoptions_destroy(readOptions) }
        var length = 0
        let value = try rocksCall { error in
            appliedIndexKey.withUnsafeBufferPointer { key in
                key.withMemoryRebound(to: CChar.self) { key in
                    rocksdb_get_cf(db, readOptions, handles[1], key.baseAddress, key.count, &length, error)
                }
            }
        }
        return decodeIndex(takeRocksBuffer(value, length: length))
    }
}
