/// A cursor over bytes that reads big-endian integers, LEB128 lengths and
/// length-prefixed fields, throwing `ByteDecodingError` instead of trapping.
struct ByteReader {
    private let bytes: [UInt8]
    private(set) var offset: Int

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        self.offset = 0
    }

    var remaining: Int { bytes.count - offset }

    mutating func readByte(_ field: @autoclosure () -> String) throws(ByteDecodingError) -> UInt8 {
        guard remaining >= 1 else { throw .truncated(field: field(), offset: offset) }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func readUInt16(_ field: @autoclosure () -> String) throws(ByteDecodingError) -> UInt16 {
        UInt16(truncatingIfNeeded: try readBigEndian(field(), width: 2))
    }

    mutating func readUInt64(_ field: @autoclosure () -> String) throws(ByteDecodingError) -> UInt64 {
        try readBigEndian(field(), width: 8)
    }

    mutating func readTimestamp(_ field: @autoclosure () -> String) throws(ByteDecodingError) -> Timestamp {
        Timestamp(rawValue: try readUInt64(field()))
    }

    mutating func readMessageID(_ field: @autoclosure () -> String) throws(ByteDecodingError) -> MessageID {
        let high = try readBigEndian(field(), width: 8)
        let low = try readBigEndian(field(), width: 8)
        return MessageID(high: high, low: low)
    }

    /// An unsigned LEB128 integer of at most 10 bytes that fits in 64 bits, in its
    /// shortest form (so every value has exactly one encoding).
    mutating func readVarint(_ field: @autoclosure () -> String) throws(ByteDecodingError) -> UInt64 {
        let start = offset
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard remaining >= 1 else { throw .truncated(field: field(), offset: start) }
            let byte = bytes[offset]
            offset += 1
            if shift == 63 && byte > 1 {
                throw .invalidValue(field: field(), reason: "varint overflows 64 bits")
            }
            value |= UInt64(byte & 0x7f) << shift
            if byte & 0x80 == 0 {
                if byte == 0 && shift > 0 {
                    throw .invalidValue(field: field(), reason: "varint is not in its shortest form")
                }
                return value
            }
            shift += 7
        }
    }

    /// A count or length that MUST fit in what is left (each element needing at least
    /// `minimumElementSize` bytes), so garbage cannot make the decoder allocate much.
    mutating func readCount(_ field: @autoclosure () -> String, minimumElementSize: Int = 1, limit: Int = .max)
        throws(ByteDecodingError) -> Int
    {
        let start = offset
        let raw = try readVarint(field())
        guard raw <= UInt64(limit) else {
            throw .invalidValue(field: field(), reason: "\(raw) exceeds the limit of \(limit)")
        }
        let count = Int(raw)
        guard minimumElementSize == 0 || count <= remaining / minimumElementSize else {
            throw .truncated(field: field(), offset: start)
        }
        return count
    }

    mutating func readBytes(_ field: @autoclosure () -> String, count: Int) throws(ByteDecodingError) -> [UInt8] {
        guard count >= 0, remaining >= count else { throw .truncated(field: field(), offset: offset) }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    mutating func readLengthPrefixedBytes(_ field: @autoclosure () -> String, limit: Int = .max) throws(ByteDecodingError) -> [UInt8] {
        let count = try readCount(field(), limit: limit)
        return try readBytes(field(), count: count)
    }

    mutating func readString(_ field: @autoclosure () -> String, limit: Int = .max) throws(ByteDecodingError) -> String {
        let count = try readCount(field(), limit: limit)
        guard remaining >= count else { throw .truncated(field: field(), offset: offset) }
        let text: String? = bytes.withUnsafeBufferPointer { all in
            let raw = UnsafeBufferPointer(rebasing: all[offset..<offset + count])
            // NB: ASCII (nearly every address) is valid UTF-8 as it stands, and decoding
            // a buffer takes the standard library's fast path; the generic validating
            // initialiser looked up type metadata on every call.
            if UnsafeRawBufferPointer(raw).isASCII { return String(decoding: raw, as: UTF8.self) }
            return String(validating: raw, as: UTF8.self)
        }
        guard let text else { throw .invalidValue(field: field(), reason: "not valid UTF-8") }
        offset += count
        return text
    }

    mutating func readOptionalTimestamp(_ field: @autoclosure () -> String, present: Bool) throws(ByteDecodingError) -> Timestamp? {
        present ? try readTimestamp(field()) : nil
    }

    /// Throws unless every byte was consumed.
    func expectEnd() throws(ByteDecodingError) {
        guard remaining == 0 else { throw .trailingBytes(count: remaining) }
    }

    private mutating func readBigEndian(_ field: @autoclosure () -> String, width: Int) throws(ByteDecodingError) -> UInt64 {
        guard remaining >= width else { throw .truncated(field: field(), offset: offset) }
        var value: UInt64 = 0
        for position in offset..<offset + width {
            value = value << 8 | UInt64(bytes[position])
        }
        offset += width
        return value
    }
}

extension Array where Element == UInt8 {
    mutating func appendBigEndian(_ value: UInt64) {
        for shift in stride(from: 56, through: 0, by: -8) {
            append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
        }
    }

    mutating func appendBigEndian(_ value: UInt16) {
        append(UInt8(truncatingIfNeeded: value >> 8))
        append(UInt8(truncatingIfNeeded: value))
    }

    mutating func appendVarint(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        append(UInt8(truncatingIfNeeded: rest))
    }

    mutating func appendLengthPrefixed(_ field: [UInt8]) {
        appendVarint(UInt64(field.count))
        append(contentsOf: field)
    }

    mutating func appendLengthPrefixed(_ text: String) {
        appendVarint(UInt64(text.utf8.count))
        append(contentsOf: text.utf8)
    }

    mutating func append(_ timestamp: Timestamp) {
        appendBigEndian(timestamp.rawValue)
    }

    mutating func append(_ id: MessageID) {
        appendBigEndian(id.high)
        appendBigEndian(id.low)
    }
}

extension UnsafeRawBufferPointer {
    /// Whether every byte is below 0x80, checked eight bytes at a time.
    var isASCII: Bool {
        var index = 0
        var seen: UInt64 = 0
        while count - index >= 8 {
            seen |= loadUnaligned(fromByteOffset: index, as: UInt64.self)
            index += 8
        }
        while index < count {
            seen |= UInt64(self[index])
            index += 1
        }
        return seen & 0x8080_8080_8080_8080 == 0
    }
}
