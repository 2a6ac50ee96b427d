public import RaftCore

/// The toy state machine every simulated node applies committed entries to.
///
/// It does not keep the entries: it keeps the index of the last one applied and a
/// digest chained over every entry applied so far (term, index, kind and data), so two
/// state machines that applied the same sequence have the same digest. Its snapshot is
/// that pair, which lets a node that installs a snapshot carry on the chain.
public struct AppliedStateMachine: Hashable, Sendable {
    /// Invariant: the entries applied so far are exactly those at `1...appliedIndex`.
    public private(set) var appliedIndex: LogIndex
    /// The term of the entry at `appliedIndex` (zero before anything was applied).
    public private(set) var appliedTerm: Term
    /// The digest of the applied sequence.
    public private(set) var digest: StableDigest

    /// Creates an empty state machine.
    public init() {
        appliedIndex = .zero
        appliedTerm = .zero
        digest = StableDigest()
    }

    /// Restores a state machine from a snapshot the simulation made.
    /// - Parameter snapshotData: `snapshotData` of a state machine.
    /// - Returns: nil if the bytes are not a simulation snapshot.
    public init?(snapshotData: [UInt8]) {
        guard snapshotData.count == 24 else { return nil }
        func word(_ at: Int) -> UInt64 {
            var value: UInt64 = 0
            for offset in (0..<8).reversed() { value = value << 8 | UInt64(snapshotData[at + offset]) }
            return value
        }
        appliedIndex = LogIndex(word(0))
        appliedTerm = Term(word(8))
        digest = StableDigest(value: word(16))
    }

    /// The digest after applying `entry` on top of `previous`.
    /// - Parameters:
    ///   - previous: the digest of the sequence before `entry`.
    ///   - entry: the next entry.
    /// - Returns: the chained digest.
    public static func chain(_ previous: StableDigest, _ entry: Entry) -> StableDigest {
        var next = previous
        next.combine(entry.index.rawValue)
        next.combine(entry.term.rawValue)
        next.combine(entry.kind.rawValue)
        next.combine(entry.data)
        return next
    }

    /// Applies the next entry.
    /// - Parameter entry: MUST be at `appliedIndex + 1` (callers check this first).
    public mutating func apply(_ entry: Entry) {
        digest = Self.chain(digest, entry)
        appliedIndex = entry.index
        appliedTerm = entry.term
    }

    /// The state as snapshot bytes: index, term and digest, little-endian.
    public var snapshotData: [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(24)
        for word in [appliedIndex.rawValue, appliedTerm.rawValue, digest.value] {
            for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: word >> UInt64(shift))) }
        }
        return bytes
    }
}
