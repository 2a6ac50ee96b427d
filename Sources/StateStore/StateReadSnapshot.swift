internal import CRocksDB
public import RaftCore

/// A consistent read-only view of a `StateStore` at one moment (a RocksDB snapshot).
///
/// NB: `@unchecked Sendable` is sound because the properties are `let`s, RocksDB
/// snapshots and read options are immutable once created and safe to read from any
/// thread, and the strong `store` reference keeps the database open until the
/// snapshot is released in `deinit`.
public final class StateReadSnapshot: @unchecked Sendable {
    private let store: StateStore
    private let snapshot: OpaquePointer
    private let readOptions: OpaquePointer

    init(store: StateStore) {
        self.store = store
        snapshot = rocksdb_create_snapshot(store.db)!
        readOptions = rocksdb_readoptions_create()!
        rocksdb_readoptions_set_snapshot(readOptions, snapshot)
    }

    deinit {
        rocksdb_readoptions_destroy(readOptions)
        rocksdb_release_snapshot(store.db, snapshot)
    }

    /// Reads one value as of the snapshot.
    /// - Parameters:
    ///   - key: the key.
    ///   - family: the column family.
    /// - Returns: the value, or `nil` if absent at the snapshot.
    /// - Throws: `.unknownColumnFamily` or `.rocksdb`.
    public func get(_ key: [UInt8], in family: String) throws(StateStoreError) -> [UInt8]? {
        try store.get(key, in: family, using: readOptions)
    }

    /// Every key with `prefix` as of the snapshot, in key order.
    /// - Parameters:
    ///   - prefix: the key prefix.
    ///   - family: the column family.
    ///   - limit: the most pairs returned.
    /// - Returns: the pairs.
    /// - Throws: `.unknownColumnFamily` or `.rocksdb`.
    public func scan(prefix: [UInt8], in family: String, limit: Int = .max) throws(StateStoreError) -> [KeyValue] {
        try store.scan(prefix: prefix, in: family, limit: limit, using: readOptions)
    }

    /// The applied index as of the snapshot.
    /// - Returns: the applied index (0 if none).
    /// - Throws: `.rocksdb`.
    public func appliedIndex() throws(StateStoreError) -> LogIndex {
        StateStore.decodeIndex(try get(StateStore.appliedIndexKey, in: StateStoreOptions.metaFamily))
    }
}
