/// Lines for one `OutputFile`, gathered per connection and written in large chunks so a
/// line per acknowledgement costs a few byte appends, not a system call.
struct LineBuffer {
    /// Where the lines go.
    let file: OutputFile
    private var bytes: [UInt8] = []
    private static let flushThreshold = 60 * 1024
    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Creates an empty buffer for `file`.
    init(file: OutputFile) {
        self.file = file
        bytes.reserveCapacity(Self.flushThreshold + 512)
    }

    /// Appends `value` in decimal.
    mutating func appendDecimal(_ value: UInt64) {
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        var rest = value
        withUnsafeMutableBytes(of: &digits) { scratch in
            repeat {
                scratch[count] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
                count += 1
            } while rest > 0
            for index in stride(from: count - 1, through: 0, by: -1) { bytes.append(scratch[index]) }
        }
    }

    /// Appends `value` as 16 lowercase hex digits.
    mutating func appendHex(_ value: UInt64) {
        for shift in stride(from: 60, through: 0, by: -4) {
            bytes.append(Self.hexDigits[Int((value >> UInt64(shift)) & 0xF)])
        }
    }

    /// Appends UTF-8 text.
    mutating func append(_ text: String) { bytes.append(contentsOf: text.utf8) }

    /// Appends one byte.
    mutating func append(byte: UInt8) { bytes.append(byte) }

    /// Ends a line, writing the buffer out when it has grown large.
    mutating func endLine() {
        bytes.append(UInt8(ascii: "\n"))
        if bytes.count >= Self.flushThreshold { flush() }
    }

    /// Writes out everything gathered.
    mutating func flush() {
        guard !bytes.isEmpty else { return }
        file.append(bytes)
        bytes.removeAll(keepingCapacity: true)
    }
}
