import QueueModel
import StateStore

/// Lets `QueueModel` read the RocksDB state. A read error is a storage failure: the
/// node stops rather than apply a command against state it could not read.
struct StateStoreReader: QueueStateReader {
    let store: StateStore
    /// Keys known to be absent, which need no read (the applier's; nil elsewhere).
    var absent: AbsentKeyFilter? = nil

    func value(in family: Family, key: [UInt8]) -> [UInt8]? {
        if let absent, !absent.mayContain(key, in: family) { return nil }
        do {
            return try store.get(key, in: family.rawValue)
        } catch {
            fatalError("state store read failed in \(family.rawValue): \(error)")
        }
    }

    func scan(in family: Family, prefix: [UInt8], limit: Int) -> [(key: [UInt8], value: [UInt8])] {
        do {
            return try store.scan(prefix: prefix, in: family.rawValue, limit: limit).map { ($0.key, $0.value) }
        } catch {
            fatalError("state store scan failed in \(family.rawValue): \(error)")
        }
    }
}
