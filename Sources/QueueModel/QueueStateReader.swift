/// Read access to the replicated state, as `QueueStateMachine` needs it.
///
/// The StateStore shell implements it over RocksDB; tests implement it over a
/// dictionary; `MutationOverlay` layers a batch's pending writes over another reader.
public protocol QueueStateReader {
    /// The value stored under `key`, or `nil` if there is none.
    /// - Parameters:
    ///   - family: the column family to read.
    ///   - key: the exact key.
    /// - Returns: the stored bytes, or `nil`.
    func value(in family: Family, key: [UInt8]) -> [UInt8]?

    /// The entries whose key starts with `prefix`, in ascending unsigned-bytewise key
    /// order (RocksDB's default comparator), at most `limit` of them.
    ///
    /// Implementations MUST return keys in that order: the overlay and the paging
    /// queries rely on it.
    /// - Parameters:
    ///   - family: the column family to read.
    ///   - prefix: the key prefix; empty means every key.
    ///   - limit: the most entries to return; `0` returns none.
    /// - Returns: the matching entries, in key order.
    func scan(in family: Family, prefix: [UInt8], limit: Int) -> [(key: [UInt8], value: [UInt8])]
}
