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

    /// The entries whose key starts with `prefix` and sorts strictly after `after`, in
    /// ascending key order, at most `limit`. Has a default implementation below.
    /// - Parameters:
    ///   - family: the column family to read.
    ///   - prefix: the key prefix.
    ///   - after: the last key of the previous page, or `nil` to start at the prefix.
    ///   - limit: the most entries to return.
    /// - Returns: the matching entries, in key order.
    func scan(in family: Family, prefix: [UInt8], after: [UInt8]?, limit: Int) -> [(key: [UInt8], value: [UInt8])]
}

extension QueueStateReader {
    /// The entries whose key starts with `prefix` and sorts strictly after `after`, in
    /// ascending key order, at most `limit`: one page of a listing.
    ///
    /// This default scans from the start of the prefix and skips, which costs a full
    /// pass per page; the StateStore shell SHOULD provide its own (a RocksDB iterator
    /// `Seek` to `after`), and `MutationOverlay` does.
    /// - Parameters:
    ///   - family: the column family to read.
    ///   - prefix: the key prefix.
    ///   - after: the last key of the previous page, or `nil` for the first page.
    ///   - limit: the most entries to return.
    /// - Returns: the matching entries, in key order.
    public func scan(in family: Family, prefix: [UInt8], after: [UInt8]?, limit: Int)
        -> [(key: [UInt8], value: [UInt8])]
    {
        guard let after else { return scan(in: family, prefix: prefix, limit: limit) }
        guard limit > 0 else { return [] }
        return Array(
            scan(in: family, prefix: prefix, limit: .max)
                .lazy
                .filter { after.lexicographicallyPrecedes($0.key) }
                .prefix(limit))
    }
}
