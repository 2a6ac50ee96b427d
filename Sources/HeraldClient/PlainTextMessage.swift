import Foundation

/// A minimal RFC 5322 message with a `text/plain; charset=utf-8` body, for producers
/// that have a subject and a text rather than a finished message (the CLI's
/// `--subject/--body`). Lines end in CRLF.
public struct PlainTextMessage: Sendable {
    /// The `From:` address.
    public var from: String
    /// The `To:` addresses.
    public var to: [String]
    /// The subject; non-ASCII subjects are written as RFC 2047 encoded words.
    public var subject: String
    /// The text; any line ending becomes CRLF.
    public var body: String
    /// The `Date:`, in seconds since the Unix epoch.
    public var dateSeconds: Int64
    /// The UTC offset of the `Date:`, in minutes.
    public var utcOffsetMinutes: Int
    /// The `Message-ID:` without angle brackets (`<hex@herald>` is written).
    public var messageID: String

    /// Creates a message.
    /// - Parameters:
    ///   - from: the `From:` address.
    ///   - to: the `To:` addresses.
    ///   - subject: the subject.
    ///   - body: the text.
    ///   - dateSeconds: the date, in seconds since the Unix epoch.
    ///   - utcOffsetMinutes: the date's UTC offset in minutes (0 for `+0000`).
    ///   - messageID: the id without brackets; by default 32 random hex digits `@herald`.
    public init(from: String, to: [String], subject: String, body: String, dateSeconds: Int64,
                utcOffsetMinutes: Int = 0, messageID: String = PlainTextMessage.randomMessageID()) {
        self.from = from
        self.to = to
        self.subject = subject
        self.body = body
        self.dateSeconds = dateSeconds
        self.utcOffsetMinutes = utcOffsetMinutes
        self.messageID = messageID
    }

    /// A fresh `hex@herald` id from the system random number generator.
    public static func randomMessageID() -> String {
        var generator = SystemRandomNumberGenerator()
        let hex = (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
        return "\(hex)@herald"
    }

    /// The message: headers, a blank line and the body, CRLF line endings.
    public var bytes: [UInt8] {
        let lines = body.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
            .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let plain = lines.allSatisfy { line in line.utf8.count <= 998 && line.utf8.allSatisfy { $0 < 0x80 } }
        var text = ""
        text += "From: \(from)\r\n"
        text += "To: \(to.joined(separator: ",\r\n "))\r\n"
        text += "Subject: \(Self.encodedHeaderText(subject))\r\n"
        text += "Date: \(Self.rfc5322Date(seconds: dateSeconds, utcOffsetMinutes: utcOffsetMinutes))\r\n"
        text += "Message-ID: <\(messageID)>\r\n"
        text += "MIME-Version: 1.0\r\n"
        text += "Content-Type: text/plain; charset=utf-8\r\n"
        text += "Content-Transfer-Encoding: \(plain ? "7bit" : "quoted-printable")\r\n"
        text += "\r\n"
        text += plain ? lines.joined(separator: "\r\n") : Self.quotedPrintable(lines)
        if !text.hasSuffix("\r\n") { text += "\r\n" }
        return Array(text.utf8)
    }

    /// An RFC 5322 §3.3 date: `Tue, 1 Jul 2003 10:52:37 +0200`.
    /// - Parameters:
    ///   - seconds: seconds since the Unix epoch.
    ///   - utcOffsetMinutes: the zone's offset from UTC.
    /// - Returns: the formatted date.
    public static func rfc5322Date(seconds: Int64, utcOffsetMinutes: Int = 0) -> String {
        let local = seconds + Int64(utcOffsetMinutes) * 60
        let days = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        let secondOfDay = Int(local - days * 86_400)
        // Howard Hinnant's civil-from-days.
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        let weekday = Int(((days % 7) + 11) % 7)  // 1970-01-01 was a Thursday
        let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let sign = utcOffsetMinutes < 0 ? "-" : "+"
        let offset = abs(utcOffsetMinutes)
        func padded(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        let time = "\(padded(secondOfDay / 3600, 2)):\(padded(secondOfDay / 60 % 60, 2)):\(padded(secondOfDay % 60, 2))"
        return "\(weekdays[weekday]), \(day) \(months[Int(month) - 1]) \(padded(Int(year), 4)) \(time) "
            + "\(sign)\(padded(offset / 60, 2))\(padded(offset % 60, 2))"
    }

    /// `text` as is when it is printable ASCII, else as one RFC 2047 `B` encoded word.
    static func encodedHeaderText(_ text: String) -> String {
        if text.utf8.allSatisfy({ (0x20..<0x7F).contains($0) }) { return text }
        return "=?utf-8?B?\(Data(text.utf8).base64EncodedString())?="
    }

    /// RFC 2045 §6.7 quoted-printable of `lines`, soft-wrapped at 76 characters.
    static func quotedPrintable(_ lines: [String]) -> String {
        lines.map { line in
            var output = ""
            var width = 0
            let bytes = Array(line.utf8)
            for (offset, byte) in bytes.enumerated() {
                let isLast = offset == bytes.count - 1
                let literal = (byte >= 33 && byte <= 126 && byte != UInt8(ascii: "=")) || ((byte == 32 || byte == 9) && !isLast)
                let piece = literal ? String(UnicodeScalar(byte)) : String(format: "=%02X", byte)
                if width + piece.count > 75 {
                    output += "=\r\n"
                    width = 0
                }
                output += piece
                width += piece.count
            }
            return output
        }.joined(separator: "\r\n")
    }
}
