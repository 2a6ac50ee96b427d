import QueueModel

/// An in-memory store: what StateStore does over RocksDB, as a sorted dictionary.
struct MemoryStore: QueueStateReader, Equatable {
    var families: [Family: [[UInt8]: [UInt8]]] = [:]

    func value(in family: Family, key: [UInt8]) -> [UInt8]? {
        families[family]?[key]
    }

    func scan(in family: Family, prefix: [UInt8], limit: Int) -> [(key: [UInt8], value: [UInt8])] {
        guard limit > 0 else { return [] }
        return (families[family] ?? [:])
            .filter { $0.key.starts(with: prefix) }
            .sorted { $0.key.lexicographicallyPrecedes($1.key) }
            .prefix(limit)
            .map { (key: $0.key, value: $0.value) }
    }

    mutating func write(_ mutations: [StateMutation]) {
        for mutation in mutations {
            switch mutation {
            case .put(let family, let key, let value): families[family, default: [:]][key] = value
            case .delete(let family, let key): families[family]?[key] = nil
            }
        }
    }

    func count(in family: Family) -> Int { families[family]?.count ?? 0 }
}

/// SplitMix64: a tiny seeded generator so every random test replays exactly.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}

enum Fixtures {
    static let t0 = Timestamp(rawValue: 1_700_000_000_000)
    static let hour: UInt64 = 60 * 60 * 1000

    static func id(_ n: UInt64) -> MessageID { MessageID(high: 0xabcd, low: n) }

    static func message(subject: String = "hi") -> [UInt8] {
        Array("From: Alice <alice@example.org>\r\nTo: bob@example.com\r\nSubject: \(subject)\r\n\r\nHello.\r\n".utf8)
    }

    static func request(
        _ n: UInt64, key: String? = nil, to recipients: [String] = ["bob@example.com"],
        notBefore: Timestamp? = nil, expiresAt: Timestamp? = nil
    ) -> EnqueueRequest {
        EnqueueRequest(messageID: id(n), idempotencyKey: key, mailFrom: "bounces@example.org",
                       recipients: recipients, message: message(), priority: 5,
                       notBefore: notBefore, expiresAt: expiresAt)
    }

    static func randomString(_ rng: inout SeededGenerator, maxLength: Int) -> String {
        let alphabet = Array("abcXYZ019.@-_+ é\"\\".unicodeScalars)
        let length = Int.random(in: 0...maxLength, using: &rng)
        var text = ""
        for _ in 0..<length { text.unicodeScalars.append(alphabet.randomElement(using: &rng)!) }
        return text
    }

    static func randomCommand(_ rng: inout SeededGenerator) -> QueueCommand {
        let timestamp = Timestamp(rawValue: UInt64.random(in: 0...UInt64.max, using: &rng))
        switch Int.random(in: 0..<5, using: &rng) {
        case 0:
            let recipients = (0..<Int.random(in: 0...5, using: &rng)).map { _ in randomString(&rng, maxLength: 30) }
            let request = EnqueueRequest(
                messageID: MessageID(high: rng.next(), low: rng.next()),
                idempotencyKey: Bool.random(using: &rng) ? "k" + randomString(&rng, maxLength: 40) : nil,
                mailFrom: randomString(&rng, maxLength: 30), recipients: recipients,
                message: (0..<Int.random(in: 0...300, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) },
                priority: UInt8.random(in: 0...9, using: &rng),
                notBefore: Bool.random(using: &rng) ? Timestamp(rawValue: rng.next()) : nil,
                expiresAt: Bool.random(using: &rng) ? Timestamp(rawValue: rng.next()) : nil)
            return .enqueue(request, at: timestamp)
        case 1:
            return .cancel(MessageID(high: rng.next(), low: rng.next()), at: timestamp)
        case 2:
            let entry = SuppressionEntry(address: randomString(&rng, maxLength: 40),
                                         reason: SuppressionReason.allCases.randomElement(using: &rng)!,
                                         source: randomString(&rng, maxLength: 60))
            return .suppress(entry, at: timestamp)
        case 3:
            return .unsuppress(randomString(&rng, maxLength: 40), at: timestamp)
        default:
            return .expireIdempotencyKeys(before: Timestamp(rawValue: rng.next()),
                                          limit: UInt32.random(in: 0...QueueCommand.maxExpiryLimit, using: &rng), at: timestamp)
        }
    }
}
