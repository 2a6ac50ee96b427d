/// The bytes every request carries, whatever the system: a valid RFC 5322 message of
/// exactly the requested size, so Herald's validator accepts it and etcd and NATS store
/// the very same bytes. Short headers, a blank line, then body lines of at most 78
/// octets padded with `x`.
enum MessagePayload {
    /// The header lines, most important first; those that do not fit a small payload are
    /// left out from the end (`From:` is the one the validator requires).
    private static let headerLines = [
        "From: \(HeraldShared.mailFrom)\r\n",
        "To: \(HeraldShared.recipient)\r\n",
        "Subject: herald-loadgen\r\n",
        "Message-ID: <loadgen@loadgen.example>\r\n",
    ]

    /// The smallest message that can be built: the `From:` line and the blank line.
    static var minimumBytes: Int { headerLines[0].utf8.count + 2 }

    /// Builds a message of exactly `size` bytes.
    /// - Parameter size: the message size; MUST be at least `minimumBytes`.
    /// - Returns: the message.
    static func message(bytes size: Int) -> [UInt8] {
        precondition(size >= minimumBytes, "a message needs at least \(minimumBytes) bytes")
        var message: [UInt8] = []
        message.reserveCapacity(size)
        for line in headerLines where message.count + line.utf8.count + 2 <= size {
            message.append(contentsOf: line.utf8)
        }
        message.append(contentsOf: "\r\n".utf8)
        let bodyLine = Array(repeating: UInt8(ascii: "x"), count: 76) + Array("\r\n".utf8)
        while size - message.count >= bodyLine.count { message.append(contentsOf: bodyLine) }
        let rest = size - message.count
        if rest >= 2 {
            message.append(contentsOf: Array(repeating: UInt8(ascii: "x"), count: rest - 2))
            message.append(contentsOf: "\r\n".utf8)
        } else if rest == 1 {
            message.append(UInt8(ascii: "x"))
        }
        assert(message.count == size)
        return message
    }
}
