/// Names one request in flight on a connection: the slot it occupies and the slot's
/// generation when it was issued, so a late answer to a slot that has since been reused
/// (after a timeout) is recognised and ignored.
///
/// Invariant: `generation >= 1`, so a token is never 0 (Herald reserves request id 0).
struct RequestToken: Hashable, Sendable {
    /// The packed value: generation in the high 32 bits, slot in the low 32.
    var rawValue: UInt64

    /// Packs a slot and its generation.
    init(slot: Int, generation: UInt32) {
        rawValue = UInt64(generation) << 32 | UInt64(UInt32(truncatingIfNeeded: slot))
    }

    /// Wraps a value read back from the wire.
    init(rawValue: UInt64) { self.rawValue = rawValue }

    /// The slot index.
    var slot: Int { Int(rawValue & 0xFFFF_FFFF) }
    /// The slot's generation when the request was issued.
    var generation: UInt32 { UInt32(truncatingIfNeeded: rawValue >> 32) }
}
