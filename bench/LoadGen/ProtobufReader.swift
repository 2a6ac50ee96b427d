import NIOCore

/// Walks the top-level fields of one protocol-buffer message in a `ByteBuffer`, reading
/// varints and length-delimited fields and skipping the rest. Never traps on bad input.
struct ProtobufReader {
    /// The bytes not yet read.
    private var buffer: ByteBuffer

    /// The message did not parse.
    struct Malformed: Error {}

    /// One field: its number and its value.
    enum Field {
        /// A varint (wire type 0).
        case varint(number: UInt64, value: UInt64)
        /// A length-delimited field (wire type 2): bytes, a string or a nested message.
        case bytes(number: UInt64, value: ByteBuffer)
        /// A fixed-width field (wire types 1 and 5), skipped.
        case skipped(number: UInt64)
    }

    /// Reads `message`.
    init(_ message: ByteBuffer) {
        buffer = message
    }

    /// The next field, or `nil` at the end.
    /// - Throws: `Malformed` when the bytes do not form a message.
    mutating func next() throws(Malformed) -> Field? {
        guard buffer.readableBytes > 0 else { return nil }
        let tag = try readVarint()
        let number = tag >> 3
        switch tag & 7 {
        case 0:
            return .varint(number: number, value: try readVarint())
        case 1:
            guard buffer.readSlice(length: 8) != nil else { throw Malformed() }
            return .skipped(number: number)
        case 2:
            let length = try readVarint()
            guard length <= UInt64(buffer.readableBytes), let value = buffer.readSlice(length: Int(length)) else {
                throw Malformed()
            }
            return .bytes(number: number, value: value)
        case 5:
            guard buffer.readSlice(length: 4) != nil else { throw Malformed() }
            return .skipped(number: number)
        default:
            throw Malformed()
        }
    }

    private mutating func readVarint() throws(Malformed) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while shift < 64 {
            guard let byte = buffer.readInteger(as: UInt8.self) else { throw Malformed() }
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return value }
            shift += 7
        }
        throw Malformed()
    }
}
