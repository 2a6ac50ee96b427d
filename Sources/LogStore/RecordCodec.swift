import Checksums
internal import CLZ4
import RaftCore

/// The on-disk record format of a segment.
///
/// ```
/// +-----------+-----------+--------+----------------------------+
/// | length u32| crc32c u32| type u8| payload (length bytes)      |
/// +-----------+-----------+--------+----------------------------+
/// ```
/// Integers are little-endian. The CRC covers the length field, the type byte and the
/// payload, so a damaged length is caught as surely as damaged data. Type bit 0x80
/// marks an LZ4-compressed entry body.
///
/// Entry payload: `term u64, index u64, kind u8, body`. When compressed, `body` is
/// `raw length u32` + an LZ4 block; term and index stay uncompressed so recovery can
/// index a segment without decompressing it.
///
/// Commit payload: `commit index u64`.
enum RecordCodec {
    static let headerSize = 9
    static let entryHeaderSize = 17
    static let compressedFlag: UInt8 = 0x80

    enum RecordType: UInt8 {
        case entry = 1
        case commit = 2
    }

    // MARK: - Encoding

    /// Appends one entry record to `buffer`.
    static func appendEntry(_ entry: Entry, to buffer: inout [UInt8], compressionThreshold: Int) {
        let start = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: headerSize))
        appendLE(entry.term.rawValue, to: &buffer)
        appendLE(entry.index.rawValue, to: &buffer)
        buffer.append(entry.kind.rawValue)
        var type = RecordType.entry.rawValue
        if entry.data.count >= compressionThreshold, let compressed = compress(entry.data) {
            type |= compressedFlag
            appendLE(UInt32(entry.data.count), to: &buffer)
            buffer.append(contentsOf: compressed)
        } else {
            buffer.append(contentsOf: entry.data)
        }
        seal(&buffer, recordStart: start, type: type)
    }

    /// Appends one commit-index record to `buffer`.
    static func appendCommit(_ commit: LogIndex, to buffer: inout [UInt8]) {
        let start = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: headerSize))
        appendLE(commit.rawValue, to: &buffer)
        seal(&buffer, recordStart: start, type: RecordType.commit.rawValue)
    }

    /// Fills in length, CRC and type of the record that starts at `recordStart`.
    private static func seal(_ buffer: inout [UInt8], recordStart start: Int, type: UInt8) {
        let length = UInt32(buffer.count - start - headerSize)
        buffer.withUnsafeMutableBytes { raw in
            raw.storeBytes(of: length.littleEndian, toByteOffset: start, as: UInt32.self)
            raw[start + 8] = type
            let crc = checksum(UnsafeRawBufferPointer(rebasing: raw[start...]))
            raw.storeBytes(of: crc.littleEndian, toByteOffset: start + 4, as: UInt32.self)
        }
    }

    /// CRC of a whole record (header included) with the CRC field skipped.
    private static func checksum(_ record: UnsafeRawBufferPointer) -> UInt32 {
        let lengthCRC = CRC32C.update(0, with: UnsafeRawBufferPointer(rebasing: record[0..<4]))
        return CRC32C.update(lengthCRC, with: UnsafeRawBufferPointer(rebasing: record[8...]))
    }

    static func appendLE<T: FixedWidthInteger>(_ value: T, to buffer: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { buffer.append(contentsOf: $0) }
    }

    private static func compress(_ data: [UInt8]) -> [UInt8]? {
        let bound = Int(LZ4_compressBound(Int32(data.count)))
        guard bound > 0 else { return nil }
        var output = [UInt8](repeating: 0, count: bound)
        let written = data.withUnsafeBytes { src in
            output.withUnsafeMutableBytes { dst in
                LZ4_compress_default(src.baseAddress!.assumingMemoryBound(to: CChar.self),
                                     dst.baseAddress!.assumingMemoryBound(to: CChar.self),
                                     Int32(data.count), Int32(bound))
            }
        }
        // Keep compression only when it saves more than its own 4-byte length prefix.
        guard written > 0, Int(written) + 4 < data.count else { return nil }
        output.removeLast(bound - Int(written))
        return output
    }

    // MARK: - Decoding

    /// What the bytes at an offset turned out to be.
    enum Parsed {
        /// A whole record with a valid checksum; `payload` indexes into the buffer.
        case record(type: UInt8, payload: Range<Int>)
        /// The buffer ends inside the header or the payload.
        case truncated
        /// The length field is impossible (zero-size entry or above the limit).
        case badLength
        /// The record is complete but its checksum does not match.
        case checksumMismatch(length: Int)
    }

    /// Parses the record starting at `offset` of `buffer`.
    static func parse(_ buffer: UnsafeRawBufferPointer, at offset: Int, maxRecordBytes: Int) -> Parsed {
        guard buffer.count - offset >= headerSize else { return .truncated }
        let length = Int(UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
        guard length <= maxRecordBytes else { return .badLength }
        guard buffer.count - offset - headerSize >= length else { return .truncated }
        let stored = UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self))
        let record = UnsafeRawBufferPointer(rebasing: buffer[offset..<(offset + headerSize + length)])
        guard checksum(record) == stored else { return .checksumMismatch(length: length) }
        let type = buffer[offset + 8]
        let payload = (offset + headerSize)..<(offset + headerSize + length)
        switch RecordType(rawValue: type & ~compressedFlag) {
        case .entry? where length >= entryHeaderSize: return .record(type: type, payload: payload)
        case .commit? where length == 8 && type & compressedFlag == 0: return .record(type: type, payload: payload)
        default: return .badLength
        }
    }

    /// Term and index of an entry payload without decoding its body.
    static func entryPosition(_ buffer: UnsafeRawBufferPointer, payload: Range<Int>) -> (term: UInt64, index: UInt64) {
        (UInt64(littleEndian: buffer.loadUnaligned(fromByteOffset: payload.lowerBound, as: UInt64.self)),
         UInt64(littleEndian: buffer.loadUnaligned(fromByteOffset: payload.lowerBound + 8, as: UInt64.self)))
    }

    /// The index of a commit payload.
    static func commitIndex(_ buffer: UnsafeRawBufferPointer, payload: Range<Int>) -> UInt64 {
        UInt64(littleEndian: buffer.loadUnaligned(fromByteOffset: payload.lowerBound, as: UInt64.self))
    }

    /// Decodes a whole entry; `nil` if the body does not decompress (never for a record
    /// whose checksum matched, barring a bug).
    static func decodeEntry(_ buffer: UnsafeRawBufferPointer, type: UInt8, payload: Range<Int>) -> Entry? {
        let (term, index) = entryPosition(buffer, payload: payload)
        guard let kind = Entry.Kind(rawValue: buffer[payload.lowerBound + 16]) else { return nil }
        let bodyStart = payload.lowerBound + entryHeaderSize
        let data: [UInt8]
        if type & compressedFlag != 0 {
            guard payload.upperBound - bodyStart >= 4 else { return nil }
            let rawLength = Int(UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: bodyStart, as: UInt32.self)))
            let compressed = UnsafeRawBufferPointer(rebasing: buffer[(bodyStart + 4)..<payload.upperBound])
            var output = [UInt8](repeating: 0, count: rawLength)
            let produced = output.withUnsafeMutableBytes { dst in
                LZ4_decompress_safe(compressed.baseAddress!.assumingMemoryBound(to: CChar.self),
                                    dst.baseAddress?.assumingMemoryBound(to: CChar.self),
                                    Int32(compressed.count), Int32(rawLength))
            }
            guard produced == Int32(rawLength) else { return nil }
            data = output
        } else {
            data = Array(UnsafeRawBufferPointer(rebasing: buffer[bodyStart..<payload.upperBound]))
        }
        return Entry(term: Term(term), index: LogIndex(index), kind: kind, data: data)
    }
}
