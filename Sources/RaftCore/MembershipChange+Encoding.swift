// MARK: - Entry payload encoding

extension MembershipChange {
    /// Encoded size: a one-byte tag and the node id as a little-endian UInt64.
    static let encodedSize = 9

    /// Encodes a change into the `data` of a `.membership` entry.
    ///
    /// Format (version-free, fixed 9 bytes): tag `u8` (1 addVoter, 2 addLearner,
    /// 3 promoteLearner, 4 remove), then the node id as little-endian `u64`.
    /// - Parameter change: the change to encode.
    /// - Returns: the entry payload.
    public static func encode(_ change: MembershipChange) -> [UInt8] {
        let (tag, node): (UInt8, NodeID) = switch change {
        case .addVoter(let id): (1, id)
        case .addLearner(let id): (2, id)
        case .promoteLearner(let id): (3, id)
        case .remove(let id): (4, id)
        }
        var bytes: [UInt8] = [tag]
        bytes.reserveCapacity(encodedSize)
        for shift in stride(from: 0, to: 64, by: 8) {
            bytes.append(UInt8(truncatingIfNeeded: node.rawValue >> UInt64(shift)))
        }
        return bytes
    }

    /// Decodes the `data` of a `.membership` entry.
    /// - Parameter bytes: the entry payload.
    /// - Returns: the change, or nil if `bytes` is not a valid encoding.
    public static func decode(_ bytes: [UInt8]) -> MembershipChange? {
        guard bytes.count == encodedSize else { return nil }
        var raw: UInt64 = 0
        for k in 0..<8 { raw |= UInt64(bytes[1 + k]) << UInt64(8 * k) }
        let node = NodeID(raw)
        switch bytes[0] {
        case 1: return .addVoter(node)
        case 2: return .addLearner(node)
        case 3: return .promoteLearner(node)
        case 4: return .remove(node)
        default: return nil
        }
    }

    /// The node the change is about.
    public var node: NodeID {
        switch self {
        case .addVoter(let id), .addLearner(let id), .promoteLearner(let id), .remove(let id): id
        }
    }
}
