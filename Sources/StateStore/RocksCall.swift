internal import CRocksDB

/// Runs a RocksDB C call that reports failure through `char** errptr`, turning the
/// message into `StateStoreError.rocksdb` (and freeing it).
func rocksCall<T>(_ body: (UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> T) throws(StateStoreError) -> T {
    var error: UnsafeMutablePointer<CChar>?
    let result = body(&error)
    if let error {
        let message = String(cString: error)
        rocksdb_free(error)
        throw .rocksdb(message)
    }
    return result
}

/// Copies a RocksDB-allocated buffer into an array and frees it.
func takeRocksBuffer(_ pointer: UnsafeMutablePointer<CChar>?, length: Int) -> [UInt8]? {
    guard let pointer else { return nil }
    defer { rocksdb_free(pointer) }
    return Array(UnsafeRawBufferPointer(start: pointer, count: length))
}
