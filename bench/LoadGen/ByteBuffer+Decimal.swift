import NIOCore

extension ByteBuffer {
    /// Writes `value` in decimal ASCII without allocating.
    /// - Returns: the number of bytes written.
    @discardableResult
    mutating func writeDecimal(_ value: UInt64) -> Int {
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes of scratch; a UInt64 has at most 20 digits
        return withUnsafeMutableBytes(of: &digits) { scratch in
            var count = 0
            var rest = value
            repeat {
                scratch[23 - count] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
                count += 1
            } while rest > 0
            return writeBytes(UnsafeRawBufferPointer(rebasing: scratch[(24 - count)...]))
        }
    }

    /// Parses the bytes in `range` of the readable view as an unsigned decimal.
    /// - Returns: `nil` when the range is empty, holds a non-digit, or overflows.
    func decimal(in range: Range<Int>) -> UInt64? {
        guard !range.isEmpty else { return nil }
        var value: UInt64 = 0
        for offset in range {
            guard let byte = getInteger(at: readerIndex + offset, as: UInt8.self),
                  byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let (shifted, overflowA) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflowB) = shifted.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
            guard !overflowA, !overflowB else { return nil }
            value = sum
        }
        return value
    }
}
