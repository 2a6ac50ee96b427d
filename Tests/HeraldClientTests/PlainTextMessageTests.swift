import HeraldClient
import Testing

@Suite("plain-text messages built by the CLI")
struct PlainTextMessageTests {
    @Test("RFC 5322 dates", arguments: [
        (Int64(0), 0, "Thu, 1 Jan 1970 00:00:00 +0000"),
        (Int64(1_057_049_557), 120, "Tue, 1 Jul 2003 10:52:37 +0200"),
        (Int64(951_782_400), 0, "Tue, 29 Feb 2000 00:00:00 +0000"),
        (Int64(1_798_761_600), -300, "Thu, 31 Dec 2026 19:00:00 -0500"),
        (Int64(-1), 0, "Wed, 31 Dec 1969 23:59:59 +0000"),
    ])
    func dates(seconds: Int64, offset: Int, expected: String) {
        #expect(PlainTextMessage.rfc5322Date(seconds: seconds, utcOffsetMinutes: offset) == expected)
    }

    @Test("headers, a blank line and the body, every line ending in CRLF")
    func layout() {
        let message = PlainTextMessage(from: "a@example.com", to: ["b@example.org", "c@example.net"], subject: "Hello",
                                       body: "line one\nline two\r\nline three", dateSeconds: 0, messageID: "abc@herald")
        let text = String(decoding: message.bytes, as: UTF8.self)
        #expect(text == """
            From: a@example.com\r
            To: b@example.org,\r
             c@example.net\r
            Subject: Hello\r
            Date: Thu, 1 Jan 1970 00:00:00 +0000\r
            Message-ID: <abc@herald>\r
            MIME-Version: 1.0\r
            Content-Type: text/plain; charset=utf-8\r
            Content-Transfer-Encoding: 7bit\r
            \r
            line one\r
            line two\r
            line three\r

            """)
        let bytes = message.bytes
        for (index, byte) in bytes.enumerated() where byte == UInt8(ascii: "\n") {
            #expect(index > 0 && bytes[index - 1] == UInt8(ascii: "\r"))
        }
    }

    @Test("non-ASCII subjects become encoded words and non-ASCII bodies quoted-printable")
    func nonASCII() {
        let message = PlainTextMessage(from: "a@example.com", to: ["b@example.org"], subject: "Grüße",
                                       body: "Schöne Grüße", dateSeconds: 0, messageID: "x@herald")
        let text = String(decoding: message.bytes, as: UTF8.self)
        #expect(text.contains("Subject: =?utf-8?B?R3LDvMOfZQ==?=\r\n"))
        #expect(text.contains("Content-Transfer-Encoding: quoted-printable\r\n"))
        #expect(text.hasSuffix("\r\n\r\nSch=C3=B6ne Gr=C3=BC=C3=9Fe\r\n"))
        #expect(message.bytes.allSatisfy { $0 < 0x80 })
    }

    @Test("random message ids are 32 hex digits at herald")
    func messageIDs() {
        let id = PlainTextMessage.randomMessageID()
        #expect(id.hasSuffix("@herald"))
        #expect(id.dropLast(7).count == 32 && id.dropLast(7).allSatisfy(\.isHexDigit))
        #expect(PlainTextMessage.randomMessageID() != id)
    }
}
