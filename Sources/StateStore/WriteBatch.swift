/// Puts and deletes across column families that RocksDB applies atomically: after a
/// crash either all of them are visible or none.
public struct WriteBatch: Sendable, Hashable {
    enum Operation: Sendable, Hashable {
        case put(family: String, key: [UInt8], value: [UInt8])
        case delete(family: String, key: [UInt8])
    }

    private(set) var operations: [Operation] = []

    /// Creates an empty batch.
    public init() {}

    /// Adds a put.
    /// - Parameters:
    ///   - value: the value.
    ///   - key: the key.
    ///   - family: the column family.
    public mutating func put(_ value: [UInt8], for key: [UInt8], in family: String) {
        operations.append(.put(family: family, key: key, value: value))
    }

    /// Adds a delete.
    /// - Parameters:
    ///   - key: the key.
    ///   - family: the column family.
    public mutating func delete(_ key: [UInt8], in family: String) {
        operations.append(.delete(family: family, key: key))
    }

    /// Number of operations.
    public var count: Int { operations.count }
}
