internal import CRocksDB
internal import CRocksDBAtomicFlush
import Foundation
internal import Glibc
public import RaftCore

/// Herald's replicated state on one node: a RocksDB database with column families,
/// atomic batches, snapshot reads, checkpoints and the applied index.
///
/// NB: `@unchecked Sendable` is sound because every stored property is a `let`, and
/// RocksDB's `DB`, column family handles and option objects are safe to use from many
/// threads at once for reads and writes (RocksDB's documented thread-safety contract).
/// Handles are freed only in `deinit`, when no other reference can exist; snapshots
/// and backups hold a strong reference to the store they use.
public final class StateStore: @unchecked Sendable {
    /// The database directory.
    public let path: String
    /// The options the store was opened with.
    public let options: StateStoreOptions

    let db: OpaquePointer
    private let databaseOptions: OpaquePointer
    private let familyOptions: [OpaquePointer]
    private let families: [String: OpaquePointer]
    private let syncWriteOptions: OpaquePointer
    private let bufferedWriteOptions: OpaquePointer
    private let readOptions: OpaquePointer

    /// The key in `meta` that holds the applied index.
    static let appliedIndexKey = Array("applied_index".utf8)

    /// Opens (or creates) the database at `path`, creating missing column families.
    /// Finishes an interrupted snapshot install first (see `SnapshotInstaller`); a
    /// staging directory that was not marked complete is discarded, so MUST NOT open a
    /// store on a path whose snapshot is still being received.
    /// - Parameters:
    ///   - path: the database directory; parents are created if missing.
    ///   - options: column families, blob settings, statistics.
    /// - Throws: `.rocksdb` with RocksDB's message when it refuses (e.g. `path` is a file).
    public init(path: String, options: StateStoreOptions = StateStoreOptions()) throws(StateStoreError) {
        self.path = path
        self.options = options
        try SnapshotInstaller.finishInterruptedInstall(dataDirectory: path)
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty { try DurableFiles.makeDirectory(parent) }
        let isNew = !DurableFiles.exists(path)

        let databaseOptions = rocksdb_options_create()!
        rocksdb_options_set_create_if_missing(databaseOptions, 1)
        rocksdb_options_set_create_missing_column_families(databaseOptions, 1)
        rocksdb_options_increase_parallelism(databaseOptions, 2)
        if options.lowPriorityBackgroundWork {
            // NB: measured at 10k msg/s offered on 2 cores: background work competing
            // at normal priority made bursts of backlog, p99 300-560 ms; at nice 19,
            // 130-220 ms. Only compactions, though: flushes at nice 19 starved on a
            // saturated machine while writes (and a snapshot's flush request, in the
            // Raft loop) waited for them, and all three nodes stopped for ~10 s with a
            // leader election at their first snapshot (perf rig, 10k/s plus a profiler).
            let environment = rocksdb_create_default_env()!
            rocksdb_env_lower_thread_pool_cpu_priority(environment)
            rocksdb_options_set_env(databaseOptions, environment)
            rocksdb_env_destroy(environment) // the wrapper only; the default environment stays
        }
        rocksdb_options_set_compression(databaseOptions, Int32(rocksdb_lz4_compression))
        rocksdb_options_set_write_buffer_size(databaseOptions, options.writeBufferSize)
        // NB: RocksDB's default of 2 (one memtable written, one flushing) stalls writes as
        // soon as a snapshot's flush request meets a flush already running; 4 leaves room
        // for both. Memtables allocate as they fill, so idle families cost little.
        rocksdb_options_set_max_write_buffer_number(databaseOptions, 4)
        rocksdb_options_set_keep_log_file_num(databaseOptions, 4)
        if options.enableStatistics { rocksdb_options_enable_statistics(databaseOptions) }
        if !options.writeAheadLog { rocksdb_options_set_atomic_flush(databaseOptions, 1) }
        if !options.automaticCompactions { rocksdb_options_set_disable_auto_compactions(databaseOptions, 1) }
        // Bloom filters: most point reads (does this message id exist? is this address
        // suppressed?) miss, and a filter answers a miss without reading blocks.
        let tableOptions = rocksdb_block_based_options_create()!
        rocksdb_block_based_options_set_filter_policy(tableOptions, rocksdb_filterpolicy_create_bloom_full(10))
        rocksdb_options_set_block_based_table_factory(databaseOptions, tableOptions)
        rocksdb_block_based_options_destroy(tableOptions)
        rocksdb_options_set_memtable_prefix_bloom_size_ratio(databaseOptions, 0.05)
        rocksdb_options_set_memtable_whole_key_filtering(databaseOptions, 1)

        var names = ["default", StateStoreOptions.metaFamily]
        for name in Self.existingFamilies(path: path, options: databaseOptions) + options.columnFamilies where !names.contains(name) {
            names.append(name)
        }
        var familyOptions: [OpaquePointer] = []
        do {
            for name in names { familyOptions.append(try Self.familyOptions(of: name, base: databaseOptions, options: options)) }
        } catch {
            familyOptions.forEach { rocksdb_options_destroy($0) }
            rocksdb_options_destroy(databaseOptions)
            throw error
        }

        let cNames = names.map { strdup($0)! }
        defer { cNames.forEach { free($0) } }
        let namePointers: [UnsafePointer<CChar>?] = cNames.map { UnsafePointer($0) }
        let optionPointers: [OpaquePointer?] = familyOptions
        var handles = [OpaquePointer?](repeating: nil, count: names.count)
        let opened: OpaquePointer?
        do {
            opened = try rocksCall { error in
                rocksdb_open_column_families(databaseOptions, path, Int32(names.count), namePointers, optionPointers, &handles, error)
            }
        } catch {
            familyOptions.forEach { rocksdb_options_destroy($0) }
            rocksdb_options_destroy(databaseOptions)
            throw error
        }
        self.db = opened!
        self.databaseOptions = databaseOptions
        self.familyOptions = familyOptions
        var families: [String: OpaquePointer] = [:]
        for (name, handle) in zip(names, handles) { families[name] = handle! }
        self.families = families

        syncWriteOptions = rocksdb_writeoptions_create()!
        rocksdb_writeoptions_set_sync(syncWriteOptions, 1)
        bufferedWriteOptions = rocksdb_writeoptions_create()!
        if !options.writeAheadLog {
            rocksdb_writeoptions_disable_WAL(syncWriteOptions, 1)
            rocksdb_writeoptions_set_sync(syncWriteOptions, 0)
            rocksdb_writeoptions_disable_WAL(bufferedWriteOptions, 1)
        }
        readOptions = rocksdb_readoptions_create()!
        // NB: RocksDB fsyncs what it creates inside the database directory, not the
        // directory's own name in its parent.
        if isNew { try DurableFiles.syncParent(of: path) }
    }

    deinit {
        for handle in families.values { rocksdb_column_family_handle_destroy(handle) }
        rocksdb_close(db)
        rocksdb_writeoptions_destroy(syncWriteOptions)
        rocksdb_writeoptions_destroy(bufferedWriteOptions)
        rocksdb_readoptions_destroy(readOptions)
        familyOptions.forEach { rocksdb_options_destroy($0) }
        rocksdb_options_destroy(databaseOptions)
    }

    private static func existingFamilies(path: String, options: OpaquePointer) -> [String] {
        var count = 0
        var error: UnsafeMutablePointer<CChar>?
        let list = rocksdb_list_column_families(options, path, &count, &error)
        if let error { rocksdb_free(error) }  // no database yet: nothing to list
        guard let list else { return [] }
        defer { rocksdb_list_column_families_destroy(list, count) }
        return (0..<count).compactMap { list[$0].map { String(cString: $0) } }
    }

    func family(_ name: String) throws(StateStoreError) -> OpaquePointer {
        guard let handle = families[name] else { throw .unknownColumnFamily(name) }
        return handle
    }

    /// Names of the open column families.
    public var columnFamilyNames: [String] { families.keys.sorted() }

    // MARK: - Writes

    /// Applies a batch atomically.
    /// - Parameters:
    ///   - batch: the puts and deletes.
    ///   - sync: fsync the WAL before returning. Without it the batch is still atomic,
    ///     but the last batches may be lost in a machine crash (Herald replays them from
    ///     the Raft log).
    /// - Throws: `.unknownColumnFamily` (nothing written) or `.rocksdb`.
    public func write(_ batch: WriteBatch, sync: Bool = false) throws(StateStoreError) {
        let handle = rocksdb_writebatch_create()!
        defer { rocksdb_writebatch_destroy(handle) }
        for operation in batch.operations {
            switch operation {
            case .put(let name, let key, let value):
                let family = try family(name)
                key.withUnsafeBufferPointer { k in
                    value.withUnsafeBufferPointer { v in
                        k.withMemoryRebound(to: CChar.self) { k in
                            v.withMemoryRebound(to: CChar.self) { v in
                                rocksdb_writebatch_put_cf(handle, family, k.baseAddress, k.count, v.baseAddress, v.count)
                            }
                        }
                    }
                }
            case .delete(let name, let key):
                let family = try family(name)
                key.withUnsafeBufferPointer { k in
                    k.withMemoryRebound(to: CChar.self) { k in
                        rocksdb_writebatch_delete_cf(handle, family, k.baseAddress, k.count)
                    }
                }
            }
        }
        let writeOptions = sync ? syncWriteOptions : bufferedWriteOptions
        try rocksCall { rocksdb_write(db, writeOptions, handle, $0) }
        if sync && !options.writeAheadLog { try flush() }
    }

    /// Applies the state produced by the entry at `appliedIndex` together with the new
    /// applied index, in one atomic batch: after a crash the state and the index agree,
    /// so replay from the log resumes exactly after the last applied entry.
    /// - Parameters:
    ///   - batch: the state changes of one (or several consecutive) applied entries.
    ///   - appliedIndex: the index of the last entry the batch applies.
    ///   - sync: fsync the WAL before returning (see `write(_:sync:)`).
    /// - Throws: `.unknownColumnFamily` or `.rocksdb`.
    public func apply(batch: WriteBatch, appliedIndex: LogIndex, sync: Bool = false) throws(StateStoreError) {
        var batch = batch
        batch.put(Self.encode(appliedIndex), for: Self.appliedIndexKey, in: StateStoreOptions.metaFamily)
        try write(batch, sync: sync)
    }

    /// The index of the last applied entry (0 when nothing was applied).
    /// - Returns: the applied index stored in `meta`.
    /// - Throws: `.rocksdb` if the read fails.
    public func appliedIndex() throws(StateStoreError) -> LogIndex {
        Self.decodeIndex(try get(Self.appliedIndexKey, in: StateStoreOptions.metaFamily))
    }

    static func encode(_ index: LogIndex) -> [UInt8] {
        withUnsafeBytes(of: index.rawValue.bigEndian) { Array($0) }
    }

    static func decodeIndex(_ bytes: [UInt8]?) -> LogIndex {
        guard let bytes, bytes.count == 8 else { return .zero }
        return LogIndex(bytes.reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
    }

    // MARK: - Reads

    /// Reads one value.
    /// - Parameters:
    ///   - key: the key.
    ///   - family: the column family.
    /// - Returns: the value, or `nil` if absent.
    /// - Throws: `.unknownColumnFamily` or `.rocksdb`.
    public func get(_ key: [UInt8], in family: String) throws(StateStoreError) -> [UInt8]? {
        try get(key, in: family, using: readOptions)
    }

    /// Every key with `prefix` in key order, up to `limit` pairs.
    /// - Parameters:
    ///   - prefix: the key prefix (empty for all).
    ///   - family: the column family.
    ///   - limit: the most pairs returned.
    /// - Returns: the pairs in key order.
    /// - Throws: `.unknownColumnFamily` or `.rocksdb`.
    public func scan(prefix: [UInt8], in family: String, limit: Int = .max) throws(StateStoreError) -> [KeyValue] {
        try scan(prefix: prefix, in: family, limit: limit, using: readOptions)
    }

    func get(_ key: [UInt8], in name: String, using options: OpaquePointer) throws(StateStoreError) -> [UInt8]? {
        let family = try family(name)
        var length = 0
        let value = try rocksCall { error in
            key.withUnsafeBufferPointer { k in
                k.withMemoryRebound(to: CChar.self) { k in
                    rocksdb_get_cf(db, options, family, k.baseAddress, k.count, &length, error)
                }
            }
        }
        return takeRocksBuffer(value, length: length)
    }

    func scan(prefix: [UInt8], in name: String, limit: Int, using options: OpaquePointer) throws(StateStoreError) -> [KeyValue] {
        try withIterator(over: name, using: options) { iterator in
            prefix.withUnsafeBufferPointer { p in
                p.withMemoryRebound(to: CChar.self) { rocksdb_iter_seek(iterator, $0.baseAddress, $0.count) }
            }
            var result: [KeyValue] = []
            while result.count < limit && rocksdb_iter_valid(iterator) != 0 {
                let key = Array(Self.currentKey(of: iterator))
                guard key.starts(with: prefix) else { break }
                var valueLength = 0
                let valuePointer = rocksdb_iter_value(iterator, &valueLength)
                result.append(KeyValue(key: key, value: Array(UnsafeRawBufferPointer(start: valuePointer, count: valueLength))))
                rocksdb_iter_next(iterator)
            }
            return result
        }
    }

    /// `withIterator(over:using:_:)` reading the live store.
    func withIterator<T>(over name: String, _ body: (OpaquePointer) -> T) throws(StateStoreError) -> T {
        try withIterator(over: name, using: readOptions, body)
    }

    /// Runs `body` with an iterator over a column family, then reports the error the
    /// iteration met, if any, and frees the iterator.
    func withIterator<T>(over name: String, using options: OpaquePointer,
                         _ body: (OpaquePointer) -> T) throws(StateStoreError) -> T {
        let iterator = rocksdb_create_iterator_cf(db, options, try family(name))!
        defer { rocksdb_iter_destroy(iterator) }
        let result = body(iterator)
        try rocksCall { rocksdb_iter_get_error(iterator, $0) }
        return result
    }

    /// The key the (valid) iterator stands on, valid until it moves.
    static func currentKey(of iterator: OpaquePointer) -> UnsafeRawBufferPointer {
        var length = 0
        let pointer = rocksdb_iter_key(iterator, &length)!
        return UnsafeRawBufferPointer(start: pointer, count: length)
    }

    /// A consistent, read-only view of the store as of now; later writes are invisible
    /// to it. Release it promptly: it pins old data.
    /// - Returns: the snapshot.
    public func readSnapshot() -> StateReadSnapshot {
        StateReadSnapshot(store: self)
    }

    // MARK: - Maintenance

    /// Writes a RocksDB checkpoint (hard-linked SST and blob files plus a copied
    /// MANIFEST) into `directory`, after flushing memtables so no WAL is needed.
    ///
    /// Safe while another thread applies batches: the flush switches every family's
    /// memtable at the same write (see `flush()`), and the checkpoint itself does not
    /// flush, so it holds the files of the latest atomic flush: the state after one whole
    /// batch.
    /// - Parameter directory: MUST NOT exist yet; its parent MUST exist.
    /// - Throws: `.rocksdb` (e.g. the directory exists).
    public func checkpoint(to directory: String) throws(StateStoreError) {
        try flush()
        let checkpoint = try rocksCall { rocksdb_checkpoint_object_create(db, $0) }
        defer { rocksdb_checkpoint_object_destroy(checkpoint) }
        // NB: RocksDB 7.x's own flush here picks the families with data before it
        // enters the write queue; a family written in between is left out, and the
        // checkpoint then held a batch's applied index without the batch's other writes
        // (seen in CI as a body past the applied index; reproduced as a lost suppression).
        // `UInt64.max` tells it not to flush.
        try rocksCall { rocksdb_checkpoint_create(checkpoint, directory, UInt64.max, $0) }
    }

    /// Flushes every column family's memtable to disk, all at the same write, and waits.
    /// - Throws: `.rocksdb`.
    public func flush() throws(StateStoreError) {
        try flush(wait: true)
    }

    /// Starts flushing every column family's memtable and returns at once; see
    /// `isFlushPending`. A later `checkpoint` then has little left to flush.
    /// - Throws: `.rocksdb`.
    public func startFlush() throws(StateStoreError) {
        try flush(wait: false)
    }

    /// Pauses or resumes every flush and compaction (for tests that need a flush that
    /// cannot finish).
    func setBackgroundWorkPaused(_ paused: Bool) {
        herald_rocksdb_set_background_work_paused(db, paused ? 1 : 0)
    }

    /// Entries in the active memtables of every column family, not flushed yet: what a
    /// `checkpoint` would have to flush first. (Counted in entries: a memtable's size in
    /// bytes includes arena blocks allocated ahead, so it is never near zero.)
    public var unflushedEntries: Int {
        families.keys.reduce(0) { total, name in
            total + (property("rocksdb.num-entries-active-mem-table", family: name).flatMap { Int($0) } ?? 0)
        }
    }

    /// Whether a memtable flush is still queued or running in any column family.
    public var isFlushPending: Bool {
        families.keys.contains { name in
            property("rocksdb.mem-table-flush-pending", family: name).map { $0 != "0" } ?? false
                || property("rocksdb.num-running-flushes").map { $0 != "0" } ?? false
        }
    }

    private func flush(wait: Bool) throws(StateStoreError) {
        // NB: one request for all families. Without a write-ahead log, what survives a
        // crash is what was flushed; flushed one family at a time while batches are
        // applied, the families were cut at different batches (a body past the applied
        // index, or the index past a suppression).
        let handles: [OpaquePointer?] = families.values.map { $0 }
        try rocksCall { error in
            handles.withUnsafeBufferPointer { handles in
                herald_rocksdb_flush_families(db, handles.baseAddress, handles.count, wait ? 1 : 0, error)
            }
        }
    }

    /// A RocksDB property such as `rocksdb.stats` or `rocksdb.total-blob-file-size`.
    /// - Parameters:
    ///   - name: the property name.
    ///   - family: a column family, or `nil` for the default one.
    /// - Returns: the value, or `nil` if RocksDB does not know the property.
    public func property(_ name: String, family: String? = nil) -> String? {
        let value: UnsafeMutablePointer<CChar>?
        if let family, let handle = families[family] {
            value = rocksdb_property_value_cf(db, handle, name)
        } else {
            value = rocksdb_property_value(db, name)
        }
        guard let value else { return nil }
        defer { rocksdb_free(value) }
        return String(cString: value)
    }

    /// RocksDB's statistics dump (`nil` unless `enableStatistics`).
    public func statistics() -> String? {
        guard let text = rocksdb_options_statistics_get_string(databaseOptions) else { return nil }
        defer { rocksdb_free(text) }
        return String(cString: text)
    }
}
