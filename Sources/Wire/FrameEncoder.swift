public import NIOCore

/// Writes `Frame`s as length, kind, payload.
public struct FrameEncoder: MessageToByteEncoder {
    public typealias OutboundIn = Frame

    /// Creates an encoder.
    public init() {}

    public func encode(data frame: Frame, out: inout ByteBuffer) {
        out.reserveCapacity(minimumWritableBytes: Frame.headerBytes + frame.payload.readableBytes)
        out.writeInteger(UInt32(1 + frame.payload.readableBytes))
        out.writeInteger(frame.kind)
        var payload = frame.payload
        out.writeBuffer(&payload)
    }
}
