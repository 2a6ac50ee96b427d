import QueueModel
import StateStore

/// Knows keys that are certainly not in the state store, so applying an enqueue skips
/// the RocksDB lookups that almost always miss: is the new message id taken (ids grow
/// with time, so a new id is above every stored one), is a recipient or its domain
/// suppressed (a Bloom filter over the suppression list).
///
/// Exact in one direction only: `mayContain` false means absent; true means "read it".
/// It follows every write the applier makes and is rebuilt from the store whenever the
/// store is opened or replaced. Deletes are not tracked: a deleted key only costs a read.
final class AbsentKeyFilter {
    /// Every key in `messages` is at or below this; nil while none was seen.
    private var highestMessageKey: [UInt8]?
    private var suppressions: KeyBloomFilter

    /// Reads the highest message key and every suppression key of `store`.
    /// - Throws: a read error.
    init(store: StateStore) throws {
        highestMessageKey = try store.lastKey(in: Family.messages.rawValue)
        suppressions = try Self.suppressionFilter(of: store)
    }

    /// False when `key` is certainly not in `family`; true when it must be read.
    func mayContain(_ key: [UInt8], in family: Family) -> Bool {
        switch family {
        case .messages:
            guard let highestMessageKey else { return false }
            return !highestMessageKey.lexicographicallyPrecedes(key)
        case .suppression:
            return key.withUnsafeBytes { suppressions.mayContain($0) }
        case .bodies, .queue, .idempotency, .meta:
            return true
        }
    }

    /// Takes note of the keys a batch written to `store` put.
    /// - Throws: a read error while rebuilding an overfull suppression filter.
    func noteWritten(_ mutations: [StateMutation], to store: StateStore) throws {
        for case .put(let family, let key, _) in mutations {
            switch family {
            case .messages:
                if highestMessageKey.map({ $0.lexicographicallyPrecedes(key) }) ?? true { highestMessageKey = key }
            case .suppression:
                key.withUnsafeBytes { suppressions.insert($0) }
            case .bodies, .queue, .idempotency, .meta:
                break
            }
        }
        if suppressions.isOverfull { suppressions = try Self.suppressionFilter(of: store) }
    }

    /// A filter holding every suppression of `store`, sized for twice as many. One
    /// pass over the family: sized from RocksDB's key estimate, and filled again at the
    /// right size only if the estimate was short.
    private static func suppressionFilter(of store: StateStore) throws -> KeyBloomFilter {
        let family = Family.suppression.rawValue
        let estimate = store.property("rocksdb.estimate-num-keys", family: family).flatMap { Int($0) } ?? 0
        var filter = KeyBloomFilter(capacity: max(2 * estimate, 65_536))
        try store.forEachKey(in: family) { filter.insert($0) }
        guard filter.isOverfull else { return filter }
        var resized = KeyBloomFilter(capacity: 2 * filter.count)
        try store.forEachKey(in: family) { resized.insert($0) }
        return resized
    }
}
