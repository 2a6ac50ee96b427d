internal import CRocksDB

extension StateStore {
    /// The greatest key in a column family.
    /// - Parameter family: the column family.
    /// - Returns: the key, or `nil` when the family is empty.
    /// - Throws: `.unknownColumnFamily` or `.rocksdb`.
    public func lastKey(in family: String) throws(StateStoreError) -> [UInt8]? {
        try withIterator(over: family) { iterator in
            rocksdb_iter_seek_to_last(iterator)
            return rocksdb_iter_valid(iterator) != 0 ? Array(Self.currentKey(of: iterator)) : nil
        }
    }

    /// Calls `body` with every key of a column family, in key order, without copying
    /// the values.
    /// - Parameters:
    ///   - family: the column family.
    ///   - body: sees each key's bytes, valid only during the call.
    /// - Throws: `.unknownColumnFamily` or `.rocksdb`.
    public func forEachKey(in family: String, _ body: (UnsafeRawBufferPointer) -> Void) throws(StateStoreError) {
        try withIterator(over: family) { iterator in
            rocksdb_iter_seek_to_first(iterator)
            while rocksdb_iter_valid(iterator) != 0 {
                body(Self.currentKey(of: iterator))
                rocksdb_iter_next(iterator)
            }
        }
    }
}
