internal import CRocksDB

extension StateStore {
    /// The greatest key in a column family.
    /// - Parameter family: the column family.
    /// - Returns: the key, or `nil` when the family is empty.
    /// - Throws: `.unknownColumnFamily` or `.rocksdb`.
    public func lastKey(in family: String) throws(StateStoreError) -> [UInt8]? {
        let handle = try self.family(family)
        let iterator = rocksdb_create_iterator_cf(db, readOptions, handle)!
        defer { rocksdb_iter_destroy(iterator) }
        rocksdb_iter_seek_to_last(iterator)
        var last: [UInt8]?
        if rocksdb_iter_valid(iterator) != 0 {
            var length = 0
            let pointer = rocksdb_iter_key(iterator, &length)!
            last = Array(UnsafeRawBufferPointer(start: pointer, count: length))
        }
        try rocksCall { rocksdb_iter_get_error(iterator, $0) }
        return last
    }

    /// Calls `body` with every key of a column family, in key order, without copying
    /// the values.
    /// - Parameters:
    ///   - family: the column family.
    ///   - body: sees each key's bytes, valid only during the call.
    /// - Throws: `.unknownColumnFamily` or `.rocksdb`.
    public func forEachKey(in family: String, _ body: (UnsafeRawBufferPointer) -> Void) throws(StateStoreError) {
        let handle = try self.family(family)
        let iterator = rocksdb_create_iterator_cf(db, readOptions, handle)!
        defer { rocksdb_iter_destroy(iterator) }
        rocksdb_iter_seek_to_first(iterator)
        while rocksdb_iter_valid(iterator) != 0 {
            var length = 0
            let pointer = rocksdb_iter_key(iterator, &length)!
            body(UnsafeRawBufferPointer(start: pointer, count: length))
            rocksdb_iter_next(iterator)
        }
        try rocksCall { rocksdb_iter_get_error(iterator, $0) }
    }
}
