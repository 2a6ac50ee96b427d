public import NIOCore

/// Splits a byte stream into `Frame`s. The length is checked against `maxFrameBytes`
/// before anything is allocated, so a hostile length cannot exhaust memory.
public struct FrameDecoder: NIOSingleStepByteToMessageDecoder {
    public typealias InboundOut = Frame

    /// The largest frame body (kind + payload) accepted.
    public let maxFrameBytes: Int
    /// A lower limit for the first frame only, until it has been decoded.
    private var maxFirstFrameBytes: Int?

    /// Creates a decoder.
    /// - Parameters:
    ///   - maxFrameBytes: the largest body accepted; larger frames throw `WireError.frameTooLarge`.
    ///   - maxFirstFrameBytes: a lower limit for the connection's first frame (a hello
    ///     of a few dozen bytes), so a client that has not said who it is cannot make
    ///     the decoder gather `maxFrameBytes`.
    public init(maxFrameBytes: Int, maxFirstFrameBytes: Int? = nil) {
        self.maxFrameBytes = maxFrameBytes
        self.maxFirstFrameBytes = maxFirstFrameBytes
    }

    public mutating func decode(buffer: inout ByteBuffer) throws -> Frame? {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) else { return nil }
        let bodyLength = Int(length)
        let limit = min(maxFirstFrameBytes ?? maxFrameBytes, maxFrameBytes)
        guard bodyLength <= limit else {
            throw WireError.frameTooLarge(length: bodyLength, limit: limit)
        }
        guard bodyLength > 0 else { throw WireError.emptyFrame }
        guard buffer.readableBytes >= 4 + bodyLength else { return nil }
        buffer.moveReaderIndex(forwardBy: 4)
        let kind: UInt8 = buffer.readInteger()!
        let payload = buffer.readSlice(length: bodyLength - 1)!
        maxFirstFrameBytes = nil
        return Frame(kind: kind, payload: payload)
    }

    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> Frame? {
        if let frame = try decode(buffer: &buffer) { return frame }
        if seenEOF, buffer.readableBytes > 0 {
            let expected = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self).map { Int($0) + 4 } ?? 4
            let received = buffer.readableBytes
            buffer.moveReaderIndex(forwardBy: received)
            throw WireError.truncatedFrame(received: received, expected: expected)
        }
        return nil
    }
}
