import QueueModel
import Testing

@Suite("envelope validator")
struct EnvelopeValidatorTests {
    let validator = EnvelopeValidator()

    @Test("valid RFC 5321 addresses are accepted", arguments: [
        "bob@example.com",
        "Bob.Smith+tag@mail.example.co.uk",
        "a!#$%&'*+-/=?^_`{|}~z@x.org",
        "\"john doe\"@example.com",
        "\"a\\\"b@c\"@example.com",
        "\"\"@example.com",
        "user@localhost",
        "user@[192.168.0.1]",
        "user@[IPv6:2001:db8::1]",
        "x@a-b.c-d.e",
        String(repeating: "l", count: 64) + "@example.com",
    ])
    func acceptsAddresses(address: String) throws {
        try validator.validateAddress(address, field: "recipients[0]")
    }

    @Test("invalid addresses are refused with the field and the address", arguments: [
        "bob@@x", "bob", "@example.com", "bob@", "bob.@example.com", ".bob@example.com", "bo..b@example.com",
        "bob smith@example.com", "bob@exa mple.com", "bob@-example.com", "bob@example-.com", "bob@example..com",
        "bob@example.com.", "bob@.example.com", "bob@[300.1.1.1]", "bob@[1.2.3]", "bob@[tag:content]", "\"unclosed@example.com",
        "bób@example.com", "bob@exämple.com", "<bob@example.com>", "bob@example.com\r\n", "\"a\"b@example.com",
    ])
    func refusesAddresses(address: String) {
        #expect(throws: EnvelopeValidationError.invalidAddress(field: "recipients[2]", address: address,
                                                               problem: .syntax)) {
            try validator.validateAddress(address, field: "recipients[2]")
        }
    }

    @Test("a whole request: the first problem in recipient order is reported, duplicates case-insensitively")
    func requestRecipients() {
        func request(_ recipients: [String]) -> EnqueueRequest {
            EnqueueRequest(messageID: MessageID(high: 1, low: 2), idempotencyKey: nil, mailFrom: "a@b.c",
                           recipients: recipients, message: Array("From: a@b.c\r\n\r\nhi".utf8), priority: 0,
                           notBefore: nil, expiresAt: nil)
        }
        #expect(throws: Never.self) { try validator.validate(request(["x@y.z"])) }
        #expect(throws: Never.self) { try validator.validate(request(["x@y.z", "w@y.z"])) }
        #expect(throws: EnvelopeValidationError.duplicateRecipient(field: "recipients[1]", address: "X@Y.z",
                                                                   firstField: "recipients[0]")) {
            try validator.validate(request(["x@y.z", "X@Y.z", "bad"]))
        }
        #expect(throws: EnvelopeValidationError.invalidAddress(field: "recipients[1]", address: "bad", problem: .syntax)) {
            try validator.validate(request(["x@y.z", "bad", "x@y.z"]))
        }
        #expect(throws: EnvelopeValidationError.invalidAddress(field: "recipients[0]", address: "bad", problem: .syntax)) {
            try validator.validate(request(["bad"]))
        }
    }

    @Test("error messages name the field")
    func messagesNameTheField() {
        let error = EnvelopeValidationError.invalidAddress(field: "recipients[2]", address: "bob@@x", problem: .syntax)
        #expect(error.description == #"recipients[2]: "bob@@x" is not a valid address"#)
    }

    @Test("length limits of RFC 5321 §4.5.3.1")
    func lengthLimits() {
        let longLocal = String(repeating: "l", count: 65) + "@example.com"
        #expect(throws: EnvelopeValidationError.invalidAddress(field: "mailFrom", address: longLocal,
                                                               problem: .localPartTooLong(octets: 65))) {
            try validator.validateAddress(longLocal, field: "mailFrom")
        }
        let label = String(repeating: "d", count: 63)
        let longTotal = "bob@" + [label, label, label, String(repeating: "d", count: 61)].joined(separator: ".")
        #expect(throws: EnvelopeValidationError.invalidAddress(field: "mailFrom", address: longTotal,
                                                               problem: .addressTooLong(octets: 257))) {
            try validator.validateAddress(longTotal, field: "mailFrom")
        }
        #expect(EnvelopeValidationError.invalidAddress(field: "mailFrom", address: "x", problem: .localPartTooLong(octets: 65))
            .description == #"mailFrom: "x" is not a valid address (the local part is 65 octets, the limit is 64)"#)
    }

    @Test("whole requests: each problem gives its exact message", arguments: [
        (Fixtures.request(1), nil),
        (changed { $0.mailFrom = "" }, nil),
        (changed { $0.mailFrom = "bounce@@x" }, #"mailFrom: "bounce@@x" is not a valid address"#),
        (changed { $0.recipients = [] }, "recipients: at least one recipient is required"),
        (changed { $0.recipients = ["a@x.org", "b@x.org", "bob@@x"] }, #"recipients[2]: "bob@@x" is not a valid address"#),
        (changed { $0.recipients = ["a@x.org", "b@x.org", "A@X.org"] }, #"recipients[2]: "A@X.org" repeats recipients[0]"#),
        (changed { $0.recipients = (0..<1001).map { "r\($0)@x.org" } },
         "recipients: 1001 recipients exceed the limit of 1000"),
        (changed { $0.priority = 10 }, "priority: 10 is outside 0...9"),
        (changed { $0.idempotencyKey = "" }, "idempotencyKey: must not be empty"),
        (changed { $0.idempotencyKey = String(repeating: "k", count: 257) },
         "idempotencyKey: 257 bytes exceed the limit of 256"),
        (changed { $0.notBefore = Timestamp(rawValue: 10); $0.expiresAt = Timestamp(rawValue: 10) },
         "expiresAt: 10ms is not after notBefore 10ms"),
    ] as [(EnqueueRequest, String?)])
    func requests(request: EnqueueRequest, expected: String?) {
        do {
            try validator.validate(request)
            #expect(expected == nil)
        } catch {
            #expect(error.description == expected)
        }
    }

    @Test("message bytes: each problem gives its exact message", arguments: [
        ("From: a@b.c\r\n\r\nbody", nil),
        ("From: a@b.c\n\nbody", nil),
        ("from:a@b.c\r\nX-Long: one\r\n  two\r\n\tthree\r\n\r\n", nil),
        ("Subject: x\r\nFROM: a@b.c\r\n\r\n", nil),
        ("", "message: no empty line (CRLFCRLF or LFLF) ends the header section"),
        ("From: a@b.c\r\nSubject: x", "message: no empty line (CRLFCRLF or LFLF) ends the header section"),
        ("From: a@b.c\r\nSubject: x\r\n", "message: no empty line (CRLFCRLF or LFLF) ends the header section"),
        ("Subject: x\r\n\r\nbody", "message: the header section has no From: field"),
        ("\r\nFrom: a@b.c\r\n\r\n", "message: the header section has no From: field"),
        ("From: a@b.c\r\nnot a header\r\n\r\n", #"message: header line 2 is neither "Name: value" nor a folded continuation"#),
        (" folded: first\r\nFrom: a\r\n\r\n", #"message: header line 1 is neither "Name: value" nor a folded continuation"#),
        (": empty name\r\nFrom: a\r\n\r\n", #"message: header line 1 is neither "Name: value" nor a folded continuation"#),
        ("From: a@b.c\r\n\r\nbo\0dy", "message: NUL byte at offset 17"),
        ("From: a@b.c\r\n\r\n" + String(repeating: "x", count: 999) + "\r\n",
         "message: line 3 is 999 octets long, the limit is 998"),
        ("From: a@b.c\r\n\r\n" + String(repeating: "x", count: 998) + "\r\nok", nil),
    ] as [(String, String?)])
    func messages(text: String, expected: String?) {
        do {
            try validator.validateMessage(Array(text.utf8))
            #expect(expected == nil)
        } catch {
            #expect(error.description == expected)
        }
    }

    @Test("NULs and line lengths are found at every offset and alignment (the scan reads 8 bytes at a time)")
    func scanAtEveryAlignment() {
        let header = Array("From: a@b.c\r\n\r\n".utf8)
        // Bytes 0x80... next to the searched ones must not confuse the word-wise search.
        let body = (0..<48).map { UInt8(0x80 + $0 % 0x7f) }
        for offset in 0..<body.count {
            var message = header + body
            message[header.count + offset] = 0
            #expect(throws: EnvelopeValidationError.malformedMessage(.nulByte(offset: header.count + offset))) {
                try validator.validateMessage(message)
            }
        }
        for padding in 0..<9 {
            let prefix = Array("X-Pad: \(String(repeating: "p", count: padding))\r\nFrom: a@b.c\r\n\r\n".utf8)
            let fits = prefix + Array(repeating: UInt8(ascii: "x"), count: 998) + Array("\r\nend\n".utf8)
            #expect(throws: Never.self) { try validator.validateMessage(fits) }
            let long = prefix + Array(repeating: UInt8(ascii: "x"), count: 999) + Array("\nend".utf8)
            #expect(throws: EnvelopeValidationError.malformedMessage(.lineTooLong(line: 4, octets: 999))) {
                try validator.validateMessage(long)
            }
        }
    }

    @Test("the size limit is checked first")
    func sizeLimit() {
        let small = EnvelopeValidator(maxMessageBytes: 10, maxRecipients: 2)
        #expect(throws: EnvelopeValidationError.messageTooLarge(bytes: 11, limit: 10)) {
            try small.validateMessage(Array(repeating: 0, count: 11))
        }
        #expect(EnvelopeValidationError.messageTooLarge(bytes: 11, limit: 10).description
            == "message: 11 bytes exceed the limit of 10")
    }
}

private func changed(_ change: (inout EnqueueRequest) -> Void) -> EnqueueRequest {
    var request = Fixtures.request(1)
    change(&request)
    return request
}

@Suite("suppression validation")
struct SuppressionValidationTests {
    @Test("addresses, domains and sources", arguments: [
        (SuppressionEntry(address: "Bob@Example.com", reason: .manual), nil),
        (SuppressionEntry(address: "@example.com", reason: .manual), nil),
        (SuppressionEntry(address: "@[10.0.0.1]", reason: .manual), nil),
        (SuppressionEntry(address: "@", reason: .manual), #"address: "@" is not a valid address"#),
        (SuppressionEntry(address: "@exa mple.com", reason: .manual), #"address: "@exa mple.com" is not a valid address"#),
        (SuppressionEntry(address: "nobody", reason: .manual), #"address: "nobody" is not a valid address"#),
        (SuppressionEntry(address: "a@b.c", reason: .manual, source: String(repeating: "s", count: 257)),
         "source: 257 bytes exceed the limit of 256"),
    ] as [(SuppressionEntry, String?)])
    func suppressionEntries(entry: SuppressionEntry, expected: String?) {
        do {
            try EnvelopeValidator().validateSuppression(entry)
            #expect(expected == nil)
        } catch {
            #expect(error.description == expected)
        }
    }
}
