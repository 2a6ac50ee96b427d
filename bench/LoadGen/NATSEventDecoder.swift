import NIOCore

/// Splits a NATS server's byte stream into `NATSEvent`s: control lines end in CRLF, and a
/// `MSG` line is followed by `size` payload bytes and CRLF. Parses in place: a message's
/// payload is a slice of the read buffer and its subject is never turned into a String.
struct NATSEventDecoder: NIOSingleStepByteToMessageDecoder {
    typealias InboundOut = NATSEvent

    /// The longest control line accepted (an `INFO` line is the longest in practice).
    static let maxLineBytes = 64 * 1024

    /// A control line that does not parse, or is too long.
    struct ProtocolError: Error, CustomStringConvertible {
        var description: String
    }

    private static let lineFeed = UInt8(ascii: "\n")
    private static let carriageReturn = UInt8(ascii: "\r")
    private static let space = UInt8(ascii: " ")

    init() {}

    mutating func decode(buffer: inout ByteBuffer) throws -> NATSEvent? {
        let view = buffer.readableBytesView
        guard let newline = view.firstIndex(of: Self.lineFeed) else {
            if view.count > Self.maxLineBytes { throw ProtocolError(description: "control line over \(Self.maxLineBytes) bytes") }
            return nil
        }
        let lineLength = newline - view.startIndex  // without the LF
        var contentLength = lineLength
        if contentLength > 0, view[view.startIndex + contentLength - 1] == Self.carriageReturn { contentLength -= 1 }
        let first = view.first.map { $0 | 0x20 } ?? 0  // lower-case letters

        if first == UInt8(ascii: "m") {
            // MSG <subject> <sid> [reply-to] <#bytes>
            var tokenCount = 0
            var subject = 0..<0
            var last = 0..<0
            var offset = 0
            while offset < contentLength {
                while offset < contentLength, view[view.startIndex + offset] == Self.space { offset += 1 }
                guard offset < contentLength else { break }
                let start = offset
                while offset < contentLength, view[view.startIndex + offset] != Self.space { offset += 1 }
                if tokenCount == 1 { subject = start..<offset }
                last = start..<offset
                tokenCount += 1
            }
            guard tokenCount == 4 || tokenCount == 5, let size = buffer.decimal(in: last) else {
                throw ProtocolError(description: "malformed MSG line")
            }
            let total = lineLength + 1 + Int(size) + 2
            guard view.count >= total else { return nil }
            var token: UInt64? = nil
            if let dot = view[(view.startIndex + subject.lowerBound)..<(view.startIndex + subject.upperBound)]
                .lastIndex(of: UInt8(ascii: ".")) {
                token = buffer.decimal(in: (dot - view.startIndex + 1)..<subject.upperBound)
            }
            buffer.moveReaderIndex(forwardBy: lineLength + 1)
            let payload = buffer.readSlice(length: Int(size))!
            buffer.moveReaderIndex(forwardBy: 2)
            return .message(token: token, payload: payload)
        }

        let line = buffer.getString(at: buffer.readerIndex, length: contentLength) ?? ""
        buffer.moveReaderIndex(forwardBy: lineLength + 1)
        let upper = line.uppercased()
        if upper.hasPrefix("PING") { return .ping }
        if upper.hasPrefix("PONG") { return .pong }
        if upper.hasPrefix("+OK") { return .ok }
        if upper.hasPrefix("INFO") { return .info }
        if upper.hasPrefix("-ERR") { return .error(String(line.dropFirst(4)).trimmingCharacters(in: " '")) }
        throw ProtocolError(description: "unexpected line \(line.prefix(80))")
    }

    mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> NATSEvent? {
        try decode(buffer: &buffer)
    }
}

extension String {
    /// The text without leading and trailing characters from `set`.
    fileprivate func trimmingCharacters(in set: String) -> String {
        var text = Substring(self)
        while let first = text.first, set.contains(first) { text = text.dropFirst() }
        while let last = text.last, set.contains(last) { text = text.dropLast() }
        return String(text)
    }
}
