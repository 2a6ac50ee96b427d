/// The key layout of the `idempotency` family. Two kinds of keys share it, told apart
/// by their first byte:
///
///     0x01 | key's UTF-8 bytes                    → IdempotencyRecord
///     0x02 | u64 enqueuedAt (BE) | key's UTF-8    → empty: the expiry index
///
/// The expiry index sorts remembered keys by age, so `expireIdempotencyKeys` deletes
/// the oldest ones with one bounded scan instead of a pass over every key.
/// Invariant: every record has exactly one index entry, with its `enqueuedAt`.
public enum IdempotencyKeys {
    /// The first byte of a record key.
    public static let recordTag: UInt8 = 0x01
    /// The first byte of an expiry-index key.
    public static let expiryTag: UInt8 = 0x02

    /// The key of the record of a producer's idempotency key.
    /// - Parameter key: the producer's key.
    /// - Returns: `0x01` followed by its UTF-8 bytes.
    public static func recordKey(_ key: String) -> [UInt8] {
        [recordTag] + Array(key.utf8)
    }

    /// The expiry-index key of a producer's key remembered since `enqueuedAt`.
    /// - Parameters:
    ///   - key: the producer's key.
    ///   - enqueuedAt: when its message was enqueued.
    /// - Returns: `0x02`, the time big-endian, then the key's UTF-8 bytes.
    public static func expiryKey(_ key: String, enqueuedAt: Timestamp) -> [UInt8] {
        var bytes: [UInt8] = [expiryTag]
        bytes.append(enqueuedAt)
        bytes.append(contentsOf: key.utf8)
        return bytes
    }

    /// Splits an expiry-index key into its time and the record key it points at.
    /// - Parameter bytes: a key that starts with `expiryTag`.
    /// - Returns: the time and the record key.
    /// - Throws: `ByteDecodingError` if the key is too short or has the wrong tag.
    static func parseExpiryKey(_ bytes: [UInt8]) throws(ByteDecodingError) -> (enqueuedAt: Timestamp, recordKey: [UInt8]) {
        var reader = ByteReader(bytes)
        let tag = try reader.readByte("idempotencyExpiry.tag")
        guard tag == expiryTag else {
            throw .invalidValue(field: "idempotencyExpiry.tag", reason: "expected \(expiryTag), found \(tag)")
        }
        let enqueuedAt = try reader.readTimestamp("idempotencyExpiry.enqueuedAt")
        let key = try reader.readBytes("idempotencyExpiry.key", count: reader.remaining)
        return (enqueuedAt, [recordTag] + key)
    }
}
