public import NIOCore

/// One unit on a Herald TCP connection: a `u32` big-endian length, then that many
/// bytes: a `u8` kind followed by the kind's payload.
public struct Frame: Sendable, Equatable {
    /// What the payload holds. Peer and producer connections use separate ranges.
    public var kind: UInt8
    /// The payload, without the kind byte.
    public var payload: ByteBuffer

    /// Creates a frame.
    public init(kind: UInt8, payload: ByteBuffer) {
        self.kind = kind
        self.payload = payload
    }

    /// Bytes of framing before the payload: length (4) and kind (1).
    public static let headerBytes = 5
}
