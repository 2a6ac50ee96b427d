import NIOCore

/// The few protocol-buffer encodings the etcd requests need, written into a `ByteBuffer`.
enum ProtobufWriter {
    /// Wire type 0: varint.
    static let varintType: UInt8 = 0
    /// Wire type 2: length-delimited.
    static let lengthDelimitedType: UInt8 = 2

    /// Writes `value` as a base-128 varint.
    static func writeVarint(_ value: UInt64, into buffer: inout ByteBuffer) {
        var rest = value
        while rest >= 0x80 {
            buffer.writeInteger(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        buffer.writeInteger(UInt8(rest))
    }

    /// Writes a field's tag. `field` MUST be below 16 (one byte), which every field used here is.
    static func writeTag(field: UInt8, type: UInt8, into buffer: inout ByteBuffer) {
        buffer.writeInteger(field << 3 | type)
    }

    /// How many bytes `value` takes as a varint.
    static func varintSize(_ value: UInt64) -> Int {
        var size = 1
        var rest = value >> 7
        while rest > 0 {
            size += 1
            rest >>= 7
        }
        return size
    }
}
