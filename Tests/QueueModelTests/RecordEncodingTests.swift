import QueueModel
import Testing

@Suite("stored records")
struct RecordEncodingTests {
    @Test("records, keys and digests survive encode and decode")
    func roundTrips() throws {
        let record = MessageRecord(
            messageID: Fixtures.id(7), enqueuedAt: Fixtures.t0, idempotencyKey: "k", mailFrom: "", priority: 9,
            notBefore: Timestamp(rawValue: 1), expiresAt: nil, bodyByteCount: 1234, partition: 63,
            recipients: RecipientState.allCases.enumerated().map { offset, state in
                MessageRecord.Recipient(address: "r\(offset)@x.org", state: state, readyAt: Timestamp(rawValue: 9),
                                        attempts: UInt32(offset) * 1000, updatedAt: Fixtures.t0)
            })
        #expect(try MessageRecord(decoding: record.encoded()) == record)
        let suppression = SuppressionRecord(address: "@x.org", reason: .unsubscribe, source: "RFC 8058",
                                            suppressedAt: Fixtures.t0)
        #expect(try SuppressionRecord(decoding: suppression.encoded()) == suppression)
        let idempotency = IdempotencyRecord(messageID: Fixtures.id(3), enqueuedAt: Fixtures.t0)
        #expect(try IdempotencyRecord(decoding: idempotency.encoded()) == idempotency)
        let key = QueueKey(partition: 3, readyAt: Fixtures.t0, messageID: Fixtures.id(1), recipientIndex: 513)
        #expect(try QueueKey(decoding: key.bytes) == key)
        #expect(key.bytes.count == QueueKey.byteCount)
        let digest = StateDigest.genesis.advanced(index: AppliedIndex(5), commandBytes: [1, 2, 3])
        #expect(try StateDigest(decoding: digest.encoded()) == digest)
    }

    @Test("queue keys sort by partition, then ready time, as their bytes do")
    func queueKeyOrder() {
        let keys = [
            QueueKey(partition: 1, readyAt: Timestamp(rawValue: 300), messageID: Fixtures.id(1), recipientIndex: 0),
            QueueKey(partition: 0, readyAt: Timestamp(rawValue: 0x1_0000), messageID: Fixtures.id(0), recipientIndex: 9),
            QueueKey(partition: 0, readyAt: Timestamp(rawValue: 0xff), messageID: Fixtures.id(5), recipientIndex: 1),
            QueueKey(partition: 0, readyAt: Timestamp(rawValue: 0xff), messageID: Fixtures.id(5), recipientIndex: 0),
        ]
        #expect(keys.sorted().map(\.bytes) == keys.map(\.bytes).sorted { $0.lexicographicallyPrecedes($1) })
    }

    @Test("partitions are stable across runs and spread over every partition")
    func partitionsAreStable() {
        // Pinned values: changing the hash would move every stored queue key.
        #expect(StableHash.fnv1a64([]) == 0xcbf2_9ce4_8422_2325)
        #expect(StableHash.fnv1a64(Array("a".utf8)) == 0xaf63_dc4c_8601_ec8c)
        var seen = Set<UInt16>()
        for n in 0..<2_000 { seen.insert(QueueKey.partition(of: MessageID(high: 0, low: UInt64(n)), partitionCount: 64)) }
        #expect(seen.count == 64)
        #expect(seen.allSatisfy { $0 < 64 })
    }

    @Test("the digest chain depends on index, bytes and order")
    func digestChain() {
        let a = StateDigest.genesis.advanced(index: AppliedIndex(1), commandBytes: [1])
        #expect(a != StateDigest.genesis.advanced(index: AppliedIndex(2), commandBytes: [1]).with(index: 1))
        #expect(a != StateDigest.genesis.advanced(index: AppliedIndex(1), commandBytes: [2]))
        let ab = a.advanced(index: AppliedIndex(2), commandBytes: [2])
        let ba = StateDigest.genesis.advanced(index: AppliedIndex(1), commandBytes: [2])
            .advanced(index: AppliedIndex(2), commandBytes: [1])
        #expect(ab != ba)
        #expect(ab == StateDigest.genesis.advanced(index: AppliedIndex(1), commandBytes: [1])
            .advanced(index: AppliedIndex(2), commandBytes: [2]))
    }

    @Test("the digest's word-wise hash sees every byte, the length and the seed")
    func digestLanesSeeEveryByte() {
        func lanes(_ bytes: [UInt8], seed: (UInt64, UInt64) = (1, 2)) -> [UInt64] {
            let pair = bytes.withUnsafeBytes { StableHash.lanes128($0, seed: seed) }
            return [pair.0, pair.1]
        }
        var seen = Set<[UInt64]>()
        // Lengths around the 8-byte word boundary, including the empty input.
        for length in 0...25 {
            let base = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            #expect(seen.insert(lanes(base)).inserted, "length \(length) collides with a shorter input")
            #expect(lanes(base) == lanes(base))
            for position in 0..<length {
                var flipped = base
                flipped[position] ^= 0x01
                #expect(seen.insert(lanes(flipped)).inserted, "flipping byte \(position) of \(length) went unseen")
            }
        }
        #expect(lanes([], seed: (1, 2)) != lanes([], seed: (1, 3)))
        #expect(lanes([0], seed: (1, 2)) != lanes([0, 0], seed: (1, 2)))
    }

    @Test("corrupt stored bytes throw typed errors instead of trapping")
    func corruptRecordsThrow() {
        var rng = SeededGenerator(seed: 0xBAD)
        let record = MessageRecord(
            messageID: Fixtures.id(7), enqueuedAt: Fixtures.t0, idempotencyKey: nil, mailFrom: "a@b.c", priority: 1,
            notBefore: nil, expiresAt: Fixtures.t0, bodyByteCount: 10, partition: 1,
            recipients: [MessageRecord.Recipient(address: "x@y.z", state: .queued, readyAt: Fixtures.t0,
                                                 updatedAt: Fixtures.t0)])
        let bytes = record.encoded()
        for length in 0..<bytes.count {
            #expect(throws: ByteDecodingError.self) { try MessageRecord(decoding: Array(bytes.prefix(length))) }
        }
        for _ in 0..<5_000 {
            var mutated = bytes
            mutated[Int.random(in: 0..<mutated.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            _ = try? MessageRecord(decoding: mutated)
            _ = try? SuppressionRecord(decoding: mutated)
            _ = try? IdempotencyRecord(decoding: Array(mutated.prefix(25)))
            _ = try? StateDigest(decoding: Array(mutated.prefix(25)))
        }
    }
}

extension StateDigest {
    fileprivate func with(index: UInt64) -> StateDigest {
        StateDigest(index: AppliedIndex(index), high: high, low: low)
    }
}
