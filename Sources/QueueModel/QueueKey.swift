/// A key of the `queue` family: one per recipient waiting for delivery.
///
///     u16 partition | u64 readyAt | 16B messageID | u16 recipientIndex   (big-endian)
///
/// So a partition's keys sort by ready time: a delivery worker scans its partition's
/// prefix and stops at the first key whose ready time is in the future. The value is
/// one byte, the message's priority, so the scheduler can order a ready batch without
/// reading message records.
public struct QueueKey: Hashable, Comparable, Sendable {
    /// The partition of the message. Invariant: `< QueueModelConfig.partitionCount`.
    public var partition: UInt16
    /// When the recipient may be attempted next.
    public var readyAt: Timestamp
    /// The message.
    public var messageID: MessageID
    /// The recipient's position in the message's envelope.
    public var recipientIndex: UInt16

    /// The length of the leading partition field: keys sharing it arrive mostly in
    /// ready-time order.
    public static let partitionByteCount = MemoryLayout<UInt16>.size
    /// The encoded key length.
    public static let byteCount = partitionByteCount + 8 + 16 + 2

    /// Creates a key.
    /// - Parameters:
    ///   - partition: the message's partition.
    ///   - readyAt: the next attempt time.
    ///   - messageID: the message.
    ///   - recipientIndex: the recipient's index in the envelope.
    public init(partition: UInt16, readyAt: Timestamp, messageID: MessageID, recipientIndex: UInt16) {
        self.partition = partition
        self.readyAt = readyAt
        self.messageID = messageID
        self.recipientIndex = recipientIndex
    }

    /// The key's bytes.
    public var bytes: [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Self.byteCount)
        bytes.appendBigEndian(partition)
        bytes.append(readyAt)
        bytes.append(messageID)
        bytes.appendBigEndian(recipientIndex)
        return bytes
    }

    /// Decodes a key.
    /// - Parameter bytes: exactly `byteCount` bytes.
    /// - Throws: `ByteDecodingError` if the length is wrong.
    public init(decoding bytes: [UInt8]) throws(ByteDecodingError) {
        var reader = ByteReader(bytes)
        let partition = try reader.readUInt16("queueKey.partition")
        let readyAt = try reader.readTimestamp("queueKey.readyAt")
        let messageID = try reader.readMessageID("queueKey.messageID")
        let recipientIndex = try reader.readUInt16("queueKey.recipientIndex")
        try reader.expectEnd()
        self.init(partition: partition, readyAt: readyAt, messageID: messageID, recipientIndex: recipientIndex)
    }

    /// The scan prefix of one partition's keys.
    /// - Parameter partition: the partition.
    /// - Returns: two bytes, big-endian.
    public static func prefix(partition: UInt16) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.appendBigEndian(partition)
        return bytes
    }

    /// The partition a message belongs to: FNV-1a 64 of its id's bytes, modulo the
    /// partition count. Stable across nodes, runs and versions.
    /// - Parameters:
    ///   - messageID: the message.
    ///   - partitionCount: the cluster's partition count, at least 1.
    /// - Returns: a partition in `0..<partitionCount`.
    public static func partition(of messageID: MessageID, partitionCount: UInt16) -> UInt16 {
        precondition(partitionCount >= 1, "a queue needs at least one partition")
        return UInt16(StableHash.fnv1a64(messageID.bytes) % UInt64(partitionCount))
    }

    /// Orders keys as their bytes sort in the store.
    public static func < (a: Self, b: Self) -> Bool {
        (a.partition, a.readyAt, a.messageID, a.recipientIndex) < (b.partition, b.readyAt, b.messageID, b.recipientIndex)
    }
}
