import QueueModel
import Testing

@Suite("command encoding")
struct CommandEncodingTests {
    static let examples: [QueueCommand] = [
        .enqueue(Fixtures.request(1), at: Fixtures.t0),
        .enqueue(EnqueueRequest(messageID: Fixtures.id(2), idempotencyKey: "order-42/ünïcode", mailFrom: "",
                                recipients: ["a@x.org", "\"q u\"@[10.0.0.1]"], message: [], priority: 9,
                                notBefore: Timestamp(rawValue: 5), expiresAt: Timestamp(rawValue: .max)),
                 at: Timestamp(rawValue: 0)),
        .cancel(Fixtures.id(3), at: Fixtures.t0),
        .suppress(SuppressionEntry(address: "@Example.com", reason: .complaint, source: "ARF from mx.example"),
                  at: Fixtures.t0),
        .suppress(SuppressionEntry(address: "x@y.z", reason: .manual), at: Fixtures.t0),
        .unsuppress("Bob@Example.com", at: Fixtures.t0),
        .expireIdempotencyKeys(before: Timestamp(rawValue: 12345), limit: QueueCommand.maxExpiryLimit, at: Fixtures.t0),
        .expireIdempotencyKeys(before: .epoch, limit: 0, at: .epoch),
    ]

    @Test("every kind of command survives encode and decode", arguments: examples)
    func exampleRoundTrips(command: QueueCommand) throws {
        let bytes = command.encoded()
        #expect(bytes.first == QueueCommand.encodingVersion)
        #expect(try QueueCommand(decoding: bytes) == command)
        #expect(command.encoded() == bytes, "encoding is deterministic")
    }

    @Test("seeded random commands survive encode and decode")
    func randomRoundTrips() throws {
        var rng = SeededGenerator(seed: 0x51)
        for _ in 0..<2_000 {
            let command = Fixtures.randomCommand(&rng)
            #expect(try QueueCommand(decoding: command.encoded()) == command)
        }
    }

    @Test("the layout of a cancel is version, tag, timestamp, id")
    func cancelLayout() {
        let bytes = QueueCommand.cancel(MessageID(high: 1, low: 2), at: Timestamp(rawValue: 0x0102)).encoded()
        #expect(bytes == [1, 2, 0, 0, 0, 0, 0, 0, 1, 2] + [0, 0, 0, 0, 0, 0, 0, 1] + [0, 0, 0, 0, 0, 0, 0, 2])
    }

    @Test("structurally wrong bytes give the specific typed error", arguments: [
        ([], ByteDecodingError.empty),
        ([2, 2], .unsupportedVersion(2)),
        ([1, 99], .unknownCommand(tag: 99)),
        ([1, 5], .reservedCommand(tag: 5)),
        ([1, 7], .reservedCommand(tag: 7)),
        ([1, 8, 0, 0, 0, 0, 0, 0, 0, 0] + [0, 0, 0, 0, 0, 0, 0, 0] + [0x80, 0x80, 0x80, 0x80, 0x10],
         .invalidValue(field: "expireIdempotencyKeys.limit", reason: "4294967296 is above 10000")),
        ([1, 8, 0, 0, 0, 0, 0, 0, 0, 0] + [0, 0, 0, 0, 0, 0, 0, 0] + [0x91, 0x4E],
         .invalidValue(field: "expireIdempotencyKeys.limit", reason: "10001 is above 10000")),
        ([1, 2, 0, 0], .truncated(field: "timestamp", offset: 2)),
        ([1, 4, 0, 0, 0, 0, 0, 0, 0, 0, 5, 65], .truncated(field: "unsuppress.address", offset: 10)),
        ([1, 4, 0, 0, 0, 0, 0, 0, 0, 0, 1, 65, 0], .trailingBytes(count: 1)),
        ([1, 4, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff], .invalidValue(field: "unsuppress.address", reason: "not valid UTF-8")),
        ([1, 4, 0, 0, 0, 0, 0, 0, 0, 0, 11] + Array("abcdefghi".utf8) + [0xC3, 0x28],
         .invalidValue(field: "unsuppress.address", reason: "not valid UTF-8")),
        ([1, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0x81, 0], .invalidValue(field: "unsuppress.address",
                                                                 reason: "varint is not in its shortest form")),
        ([1, 3, 0, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0], .invalidValue(field: "suppress.reason", reason: "unknown reason 9")),
    ] as [([UInt8], ByteDecodingError)])
    func specificErrors(bytes: [UInt8], expected: ByteDecodingError) {
        #expect(throws: expected) { try QueueCommand(decoding: bytes) }
    }

    @Test("out-of-range enqueue fields are refused")
    func enqueueFieldLimits() {
        var tooHigh = Fixtures.request(1)
        tooHigh.priority = 12
        #expect(throws: ByteDecodingError.invalidValue(field: "enqueue.priority", reason: "12 is outside 0...9")) {
            try QueueCommand(decoding: QueueCommand.enqueue(tooHigh, at: Fixtures.t0).encoded())
        }
        var longKey = Fixtures.request(1)
        longKey.idempotencyKey = String(repeating: "k", count: 257)
        #expect(throws: ByteDecodingError.invalidValue(field: "enqueue.idempotencyKey",
                                                       reason: "257 exceeds the limit of 256")) {
            try QueueCommand(decoding: QueueCommand.enqueue(longKey, at: Fixtures.t0).encoded())
        }
    }

    @Test("every truncation of a valid command throws instead of trapping")
    func truncationsThrow() {
        for command in Self.examples {
            let bytes = command.encoded()
            for length in 0..<bytes.count {
                #expect(throws: ByteDecodingError.self) { try QueueCommand(decoding: Array(bytes.prefix(length))) }
            }
        }
    }

    @Test("seeded garbage and mutated commands never trap")
    func fuzzNeverTraps() {
        var rng = SeededGenerator(seed: 0xF022)
        var decodedCount = 0
        for round in 0..<20_000 {
            var bytes: [UInt8]
            if round % 2 == 0 {
                bytes = (0..<Int.random(in: 0...64, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
                if !bytes.isEmpty && Bool.random(using: &rng) { bytes[0] = 1 }
            } else {
                bytes = Fixtures.randomCommand(&rng).encoded()
                for _ in 0..<Int.random(in: 1...4, using: &rng) where !bytes.isEmpty {
                    bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                }
            }
            do {
                let command = try QueueCommand(decoding: bytes)
                // Whatever decodes must re-encode to the same bytes: one encoding per value.
                #expect(command.encoded() == bytes)
                decodedCount += 1
            } catch {
                _ = error.description  // typed: ByteDecodingError, and printable
            }
        }
        #expect(decodedCount > 0, "some mutations still decode; the check above ran")
    }
}

@Suite("command descriptions")
struct CommandDescriptionTests {
    @Test("a command prints as one log line without the message bytes")
    func logLine() {
        let command = QueueCommand.enqueue(Fixtures.request(1, to: ["a@x.org", "b@x.org"]), at: Fixtures.t0)
        #expect(command.description == "enqueue 000000000000abcd0000000000000001 (2 recipients, "
            + "\(Fixtures.message().count) bytes) at 1700000000000ms")
        #expect(QueueCommand.unsuppress("a@x.org", at: .epoch).description == "unsuppress a@x.org at 0ms")
    }
}
