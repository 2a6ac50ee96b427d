/// A 128-bit hash chain over every applied command, with the index it covers:
///
///     digest(n) = H(digest(n-1), index(n), bytes(n))
///
/// where H runs `StableHash.lanes128`'s two 64-bit lanes over `bytes`, seeded with
/// `high(n-1)` and `low(n-1)` mixed with `index`. Two nodes with equal digests at equal
/// indexes applied the same commands in the same order, so (apply being deterministic)
/// hold the same state; comparing digests across nodes detects divergence.
///
/// The shell writes `metaMutation` in the same atomic batch as the state the commands
/// produced, so the applied index and the digest never disagree with the data.
public struct StateDigest: Hashable, Sendable, CustomStringConvertible {
    /// The index of the last command folded in; `.zero` before any.
    public var index: AppliedIndex
    /// The first lane.
    public var high: UInt64
    /// The second lane.
    public var low: UInt64

    /// Creates a digest from its parts.
    /// - Parameters:
    ///   - index: the last applied index.
    ///   - high: the first lane.
    ///   - low: the second lane.
    public init(index: AppliedIndex, high: UInt64, low: UInt64) {
        self.index = index
        self.high = high
        self.low = low
    }

    /// The digest of the empty state, before the first command.
    public static let genesis = StateDigest(index: .zero, high: 0, low: 0)

    /// The digest after applying one more command.
    /// - Parameters:
    ///   - index: the command's log index. MUST be greater than `self.index`.
    ///   - commandBytes: the command's bytes exactly as committed.
    /// - Returns: the next digest in the chain.
    public func advanced(index: AppliedIndex, commandBytes: [UInt8]) -> StateDigest {
        precondition(index > self.index, "applied index must grow: \(index) after \(self.index)")
        let lanes = commandBytes.withUnsafeBytes { bytes in
            StableHash.lanes128(bytes, seed: (high ^ StableHash.finalise(index.rawValue),
                                              low &+ StableHash.finalise(~index.rawValue)))
        }
        return StateDigest(index: index, high: lanes.0, low: lanes.1)
    }

    /// The index and 32 hex digits of the two lanes, e.g. `i42:0123…cdef`.
    public var description: String {
        "\(index):\(MessageID(high: high, low: low))"
    }

    // MARK: - The `meta` record

    /// The key of the applied-index-and-digest record in the `meta` family: `applied`.
    public static let metaKey: [UInt8] = Array("applied".utf8)

    /// The version byte this build writes and reads.
    public static let encodingVersion: UInt8 = 1

    /// The stored form: `u8 version | u64 index | u64 high | u64 low`, big-endian.
    /// - Returns: 25 bytes.
    public func encoded() -> [UInt8] {
        var bytes: [UInt8] = [Self.encodingVersion]
        bytes.reserveCapacity(25)
        bytes.appendBigEndian(index.rawValue)
        bytes.appendBigEndian(high)
        bytes.appendBigEndian(low)
        return bytes
    }

    /// The mutation that records this digest and its index in `meta`.
    public var metaMutation: StateMutation {
        .put(.meta, key: Self.metaKey, value: encoded())
    }

    /// Decodes the stored form.
    /// - Parameter bytes: the `meta` value.
    /// - Throws: `ByteDecodingError` if it is not a version-1 digest record.
    public init(decoding bytes: [UInt8]) throws(ByteDecodingError) {
        guard !bytes.isEmpty else { throw .empty }
        var reader = ByteReader(bytes)
        let version = try reader.readByte("digest.version")
        guard version == Self.encodingVersion else { throw .unsupportedVersion(version) }
        let index = AppliedIndex(try reader.readUInt64("digest.index"))
        let high = try reader.readUInt64("digest.high")
        let low = try reader.readUInt64("digest.low")
        try reader.expectEnd()
        self.init(index: index, high: high, low: low)
    }

    /// The digest stored in `reader`, or `genesis` if nothing was applied yet: where a
    /// restarting node resumes applying.
    /// - Parameter reader: the state to read.
    /// - Returns: the stored digest.
    /// - Throws: `CorruptStateError` if the record cannot be decoded.
    public static func load(from reader: some QueueStateReader) throws(CorruptStateError) -> StateDigest {
        guard let bytes = reader.value(in: .meta, key: metaKey) else { return .genesis }
        do {
            return try StateDigest(decoding: bytes)
        } catch {
            throw CorruptStateError(family: .meta, key: metaKey, reason: error)
        }
    }
}
