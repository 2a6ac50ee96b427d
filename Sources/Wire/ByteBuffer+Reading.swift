public import NIOCore

extension ByteBuffer {
    /// Reads a big-endian integer or throws `WireError.malformed` naming `field`.
    @inlinable
    public mutating func readRequired<T: FixedWidthInteger>(_ type: T.Type = T.self,
                                                           _ field: @autoclosure () -> String) throws(WireError) -> T {
        // NB: the field's name is built only for the error; eagerly, a name like
        // "\(field) length" cost a string interpolation per field of every request.
        guard let value = readInteger(as: T.self) else { throw WireError.malformed("truncated \(field())") }
        return value
    }

    /// Reads a `u32`-length-prefixed byte string, at most `limit` bytes.
    @inlinable
    public mutating func readLengthPrefixedBytes(_ field: String, limit: Int) throws(WireError) -> [UInt8] {
        let length = Int(try readRequired(UInt32.self, "\(field) length"))
        guard length <= limit else { throw WireError.malformed("\(field) of \(length) bytes exceeds \(limit)") }
        guard let bytes = readBytes(length: length) else { throw WireError.malformed("truncated \(field)") }
        return bytes
    }

    /// Reads a `u32`-length-prefixed UTF-8 string, at most `limit` bytes.
    @inlinable
    public mutating func readLengthPrefixedString(_ field: String, limit: Int) throws(WireError) -> String {
        let bytes = try readLengthPrefixedBytes(field, limit: limit)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw WireError.malformed("\(field) is not UTF-8")
        }
        return text
    }

    /// Reads a boolean byte (0 or 1).
    @inlinable
    public mutating func readBool(_ field: String) throws(WireError) -> Bool {
        switch try readRequired(UInt8.self, field) {
        case 0: return false
        case 1: return true
        case let other: throw WireError.malformed("\(field) is \(other), expected 0 or 1")
        }
    }

    /// Writes a `u32`-length-prefixed byte string.
    @inlinable
    public mutating func writeLengthPrefixed(_ bytes: some Collection<UInt8>) {
        writeInteger(UInt32(bytes.count))
        writeBytes(bytes)
    }

    /// Writes a `u32`-length-prefixed UTF-8 string.
    @inlinable
    public mutating func writeLengthPrefixed(_ text: String) {
        writeLengthPrefixed(Array(text.utf8))
    }
}
