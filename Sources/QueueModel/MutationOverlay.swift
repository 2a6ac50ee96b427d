/// A reader that shows a base reader with a batch's pending mutations laid over it,
/// so each command applied in one batch sees the effects of the commands before it,
/// before the batch is written to the store.
///
/// Typical use by the shell (or `QueueStateMachine.applyBatch`):
///
///     var overlay = MutationOverlay(base: store)
///     for command in committed {
///         let result = try machine.apply(command, index: index, reader: overlay)
///         overlay.record(result.mutations)
///     }
///     store.write(overlay.mutations)   // one atomic batch, in order
///
/// NB: not generic over its base: the shell's reader type lives in another module, so a
/// generic overlay ran unspecialized there, and every dictionary operation paid for
/// generic metadata lookups. An existential base costs one indirect call per read.
public struct MutationOverlay: QueueStateReader {
    /// The reader underneath (the store as of the last written batch).
    public let base: any QueueStateReader
    /// Every mutation recorded so far, in order: what the shell writes.
    public private(set) var mutations: [StateMutation] = []
    /// The latest pending value per family and key: a value for a put, `nil` for a delete.
    private var pending: [PendingKey: [UInt8]?] = [:]

    /// A family and key, hashed as one run of bytes (an array of bytes hashes byte by
    /// byte, and a dictionary per family costs a second lookup: both showed up in
    /// profiles of apply).
    private struct PendingKey: Hashable {
        let family: Family
        let bytes: [UInt8]

        func hash(into hasher: inout Hasher) {
            hasher.combine(family)
            bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
        }
    }

    /// Creates an overlay with nothing pending.
    /// - Parameters:
    ///   - base: the reader underneath.
    ///   - expectedMutations: room to reserve for the batch's mutations (a hint).
    public init(base: any QueueStateReader, expectedMutations: Int = 0) {
        self.base = base
        pending.reserveCapacity(expectedMutations)
        mutations.reserveCapacity(expectedMutations)
    }

    /// Lays `mutations` over what is already pending, in order.
    /// - Parameter mutations: the mutations of one applied command.
    public mutating func record(_ mutations: [StateMutation]) {
        for mutation in mutations {
            switch mutation {
            case .put(let family, let key, let value):
                pending[PendingKey(family: family, bytes: key)] = .some(value)
            case .delete(let family, let key):
                pending[PendingKey(family: family, bytes: key)] = .some(nil)
            }
        }
        self.mutations.append(contentsOf: mutations)
    }

    /// The pending value if the batch wrote `key`, else the base's.
    /// - Parameters:
    ///   - family: the column family.
    ///   - key: the key.
    /// - Returns: the value, or `nil` if absent or deleted in the batch.
    public func value(in family: Family, key: [UInt8]) -> [UInt8]? {
        if let written = pending[PendingKey(family: family, bytes: key)] { return written }
        return base.value(in: family, key: key)
    }

    /// The base's entries merged with the batch's, in key order, at most `limit`.
    /// - Parameters:
    ///   - family: the column family.
    ///   - prefix: the key prefix.
    ///   - limit: the most entries to return.
    /// - Returns: the matching entries, in ascending unsigned-bytewise key order.
    public func scan(in family: Family, prefix: [UInt8], limit: Int) -> [(key: [UInt8], value: [UInt8])] {
        scan(in: family, prefix: prefix, after: nil, limit: limit)
    }

    /// The base's entries merged with the batch's, after `after`, in key order, at most
    /// `limit`.
    /// - Parameters:
    ///   - family: the column family.
    ///   - prefix: the key prefix.
    ///   - after: the last key of the previous page, or `nil`.
    ///   - limit: the most entries to return.
    /// - Returns: the matching entries, in ascending unsigned-bytewise key order.
    public func scan(in family: Family, prefix: [UInt8], after: [UInt8]?, limit: Int)
        -> [(key: [UInt8], value: [UInt8])]
    {
        guard limit > 0 else { return [] }
        let written = pending.filter { entry in
            entry.key.family == family && entry.key.bytes.starts(with: prefix)
                && (after.map { $0.lexicographicallyPrecedes(entry.key.bytes) } ?? true)
        }
        guard !written.isEmpty else { return base.scan(in: family, prefix: prefix, after: after, limit: limit) }
        // Each pending key can hide at most one base entry, so asking the base for that
        // many more still leaves `limit` survivors if the base has them.
        let (extra, overflow) = limit.addingReportingOverflow(written.count)
        var merged: [[UInt8]: [UInt8]] = [:]
        for entry in base.scan(in: family, prefix: prefix, after: after, limit: overflow ? .max : extra) {
            merged[entry.key] = entry.value
        }
        for (key, value) in written {
            merged[key.bytes] = value
        }
        let sorted = merged.sorted { $0.key.lexicographicallyPrecedes($1.key) }
        return sorted.prefix(limit).map { (key: $0.key, value: $0.value) }
    }
}
