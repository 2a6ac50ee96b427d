/// One write of replicated state, as `QueueStateMachine.apply` asks for it. The shell
/// writes all mutations of a batch, in order, in one atomic RocksDB write batch
/// together with the `meta` record of the applied index.
public enum StateMutation: Equatable, Sendable {
    /// Store `value` under `key`, replacing any previous value.
    case put(Family, key: [UInt8], value: [UInt8])
    /// Remove `key`; removing an absent key is not an error.
    case delete(Family, key: [UInt8])

    /// The column family this mutation writes.
    public var family: Family {
        switch self {
        case .put(let family, _, _), .delete(let family, _): family
        }
    }

    /// The key this mutation writes.
    public var key: [UInt8] {
        switch self {
        case .put(_, let key, _), .delete(_, let key): key
        }
    }
}
