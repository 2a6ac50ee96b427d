import QueueModel
import Testing

/// A node's apply loop in miniature: a store, a machine, a digest, one batch per call.
struct Node {
    var store = MemoryStore()
    var digest = StateDigest.genesis
    let machine: QueueStateMachine
    var nextIndex: UInt64 = 1

    init(config: QueueModelConfig = QueueModelConfig()) {
        machine = QueueStateMachine(config: config)
    }

    @discardableResult
    mutating func apply(_ commands: [QueueCommand]) throws -> [CommandOutcome] {
        let entries = commands.map { command in
            defer { nextIndex += 1 }
            return CommittedCommand(index: AppliedIndex(nextIndex), bytes: command.encoded())
        }
        let result = try machine.applyBatch(entries, reader: store, digest: digest)
        store.write(result.mutations)
        digest = result.digest
        #expect(try StateDigest.load(from: store) == digest)
        return result.outcomes.map(\.outcome)
    }

    @discardableResult
    mutating func apply(_ command: QueueCommand) throws -> CommandOutcome {
        try apply([command])[0]
    }

    func status(_ n: UInt64) throws -> MessageStatus? {
        try machine.messageStatus(of: Fixtures.id(n), reader: store)
    }
}

@Suite("queue state machine")
struct StateMachineTests {
    let t0 = Fixtures.t0

    @Test("enqueue stores the record, the body, one queue key per recipient and the idempotency key")
    func enqueueAndStatus() throws {
        var node = Node()
        let request = Fixtures.request(1, key: "order-1", to: ["bob@example.com", "carol@example.net"])
        let outcome = try node.apply(.enqueue(request, at: t0))
        #expect(outcome == .enqueued(Fixtures.id(1), suppressed: []))

        let status = try #require(try node.status(1))
        #expect(status.record.mailFrom == "bounces@example.org")
        #expect(status.record.enqueuedAt == t0)
        #expect(status.record.idempotencyKey == "order-1")
        #expect(status.record.recipients.map(\.state) == [.queued, .queued])
        #expect(status.record.recipients.map(\.address) == ["bob@example.com", "carol@example.net"])
        #expect(status.record.bodyByteCount == request.message.count)
        #expect(status.bodyStored)
        #expect(!status.isFinal)
        #expect(node.store.value(in: .bodies, key: Fixtures.id(1).bytes) == request.message)
        #expect(node.store.value(in: .idempotency, key: IdempotencyKeys.recordKey("order-1"))
            == IdempotencyRecord(messageID: Fixtures.id(1), enqueuedAt: t0).encoded())
        #expect(node.store.value(in: .idempotency, key: IdempotencyKeys.expiryKey("order-1", enqueuedAt: t0)) == [])
        #expect(node.store.count(in: .idempotency) == 2)

        let partition = QueueKey.partition(of: Fixtures.id(1), partitionCount: 64)
        #expect(status.record.partition == partition)
        let queued = try node.machine.queuedRecipients(in: partition, after: nil, limit: 10, reader: node.store)
        #expect(queued.map(\.key) == [
            QueueKey(partition: partition, readyAt: t0, messageID: Fixtures.id(1), recipientIndex: 0),
            QueueKey(partition: partition, readyAt: t0, messageID: Fixtures.id(1), recipientIndex: 1),
        ])
        #expect(queued.map(\.priority) == [5, 5])
        #expect(try node.status(2) == nil)
    }

    @Test("a not-before time becomes the ready time of the queue keys")
    func notBeforeSetsReadyTime() throws {
        var node = Node()
        let later = t0.adding(milliseconds: Fixtures.hour)
        try node.apply(.enqueue(Fixtures.request(1, notBefore: later), at: t0))
        let key = try QueueKey(decoding: try #require(node.store.scan(in: .queue, prefix: [], limit: 5).first).key)
        #expect(key.readyAt == later)
    }

    @Test("a duplicate idempotency key within the window returns the original id and writes nothing new")
    func duplicateWithinWindow() throws {
        var node = Node()
        try node.apply(.enqueue(Fixtures.request(1, key: "k"), at: t0))
        let before = node.store.families.filter { $0.key != .meta }
        let retry = try node.apply(.enqueue(Fixtures.request(2, key: "k"), at: t0.adding(milliseconds: 23 * Fixtures.hour)))
        #expect(retry == .duplicate(original: Fixtures.id(1), suppressed: []))
        #expect(node.store.families.filter { $0.key != .meta } == before)
        #expect(try node.status(2) == nil)
    }

    @Test("after the window the same idempotency key makes a new message")
    func newMessageAfterWindow() throws {
        var node = Node()
        try node.apply(.enqueue(Fixtures.request(1, key: "k"), at: t0))
        let later = t0.adding(milliseconds: 24 * Fixtures.hour)
        #expect(try node.apply(.enqueue(Fixtures.request(2, key: "k"), at: later)) == .enqueued(Fixtures.id(2), suppressed: []))
        #expect(try node.status(2) != nil)
        // The key now points at the new message, with a new window.
        let again = try node.apply(.enqueue(Fixtures.request(3, key: "k"), at: later.adding(milliseconds: 1)))
        #expect(again == .duplicate(original: Fixtures.id(2), suppressed: []))
    }

    @Test("the idempotency window comes from the config")
    func configuredWindow() throws {
        var node = Node(config: QueueModelConfig(idempotencyWindow: 1000))
        try node.apply(.enqueue(Fixtures.request(1, key: "k"), at: t0))
        #expect(try node.apply(.enqueue(Fixtures.request(2, key: "k"), at: t0.adding(milliseconds: 999)))
            == .duplicate(original: Fixtures.id(1), suppressed: []))
        #expect(try node.apply(.enqueue(Fixtures.request(3, key: "k"), at: t0.adding(milliseconds: 1000)))
            == .enqueued(Fixtures.id(3), suppressed: []))
    }

    @Test("a suppressed recipient is recorded as suppressed, gets no queue key and is reported")
    func suppressedRecipient() throws {
        var node = Node()
        try node.apply(.suppress(SuppressionEntry(address: "Bob@Example.COM", reason: .hardBounce, source: "550 5.1.1"),
                                 at: t0))
        let outcome = try node.apply(.enqueue(Fixtures.request(1, to: ["carol@example.com", "BOB@example.com"]),
                                              at: t0.adding(milliseconds: 1)))
        #expect(outcome == .enqueued(Fixtures.id(1), suppressed: ["BOB@example.com"]))
        let status = try #require(try node.status(1))
        #expect(status.record.recipients.map(\.state) == [.queued, .suppressed])
        #expect(node.store.count(in: .queue) == 1)
        let record = try #require(try node.machine.suppression(of: "bob@EXAMPLE.com", reader: node.store))
        #expect(record == SuppressionRecord(address: "bob@example.com", reason: .hardBounce, source: "550 5.1.1",
                                            suppressedAt: t0))
    }

    @Test("a duplicate's answer lists the recipients the original suppressed, as the original's did")
    func duplicateListsTheOriginalsSuppressedRecipients() throws {
        var node = Node()
        try node.apply(.suppress(SuppressionEntry(address: "bob@example.com", reason: .complaint, source: "fbl"), at: t0))
        let first = try node.apply(.enqueue(Fixtures.request(1, key: "k", to: ["carol@example.com", "Bob@Example.com"]),
                                            at: t0.adding(milliseconds: 1)))
        #expect(first == .enqueued(Fixtures.id(1), suppressed: ["Bob@Example.com"]))
        // Unsuppressing afterwards does not change what the original did.
        try node.apply(.unsuppress("bob@example.com", at: t0.adding(milliseconds: 2)))
        let retry = try node.apply(.enqueue(Fixtures.request(2, key: "k", to: ["carol@example.com", "Bob@Example.com"]),
                                            at: t0.adding(milliseconds: 3)))
        #expect(retry == .duplicate(original: Fixtures.id(1), suppressed: ["Bob@Example.com"]))
    }

    @Test("suppression keys: brackets and ASCII case removed; the domain key is @ and what follows the last @")
    func suppressionKeys() {
        #expect(SuppressionAddress.normalisedBytes("<Bob@Example.COM>") == Array("bob@example.com".utf8))
        #expect(SuppressionAddress.normalise("Ünï@Ex.org") == "Ünï@ex.org")
        let key = SuppressionAddress.normalisedBytes("A@b@Sub.Example.com")
        #expect(SuppressionAddress.domainKeyBytes(ofNormalised: key) == Array("@sub.example.com".utf8))
        #expect(SuppressionAddress.domainKey(of: "A@b@Sub.Example.com") == "@sub.example.com")
        #expect(SuppressionAddress.domainKey(of: "@example.com") == nil)
        #expect(SuppressionAddress.domainKey(of: "bob@") == nil)
        #expect(SuppressionAddress.domainKey(of: "bob") == nil)
    }

    @Test("a domain suppression covers every address of that exact domain")
    func domainSuppression() throws {
        var node = Node()
        try node.apply(.suppress(SuppressionEntry(address: "@Blocked.example", reason: .manual), at: t0))
        let outcome = try node.apply(.enqueue(
            Fixtures.request(1, to: ["a@blocked.example", "b@sub.blocked.example", "c@BLOCKED.example"]), at: t0))
        #expect(outcome == .enqueued(Fixtures.id(1), suppressed: ["a@blocked.example", "c@BLOCKED.example"]))
        #expect(try node.status(1)?.record.recipients.map(\.state) == [.suppressed, .queued, .suppressed])
        #expect(try node.machine.suppression(of: "z@blocked.example", reader: node.store)?.isDomain == true)
    }

    @Test("a message whose every recipient is suppressed keeps no body and no queue key")
    func allSuppressedKeepsNoBody() throws {
        var node = Node()
        try node.apply(.suppress(SuppressionEntry(address: "bob@example.com", reason: .unsubscribe), at: t0))
        try node.apply(.enqueue(Fixtures.request(1), at: t0))
        let status = try #require(try node.status(1))
        #expect(status.isFinal)
        #expect(!status.bodyStored)
        #expect(node.store.count(in: .queue) == 0)
    }

    @Test("an already expired message is recorded with expired recipients")
    func alreadyExpired() throws {
        var node = Node()
        try node.apply(.enqueue(Fixtures.request(1, expiresAt: t0), at: t0))
        #expect(try node.status(1)?.record.recipients.map(\.state) == [.expired])
        #expect(node.store.count(in: .queue) == 0)
    }

    @Test("cancel marks waiting recipients cancelled and deletes their queue keys and the body")
    func cancel() throws {
        var node = Node()
        try node.apply(.suppress(SuppressionEntry(address: "x@example.com", reason: .manual), at: t0))
        try node.apply(.enqueue(Fixtures.request(1, to: ["a@example.com", "x@example.com", "b@example.com"]), at: t0))
        #expect(node.store.count(in: .queue) == 2)
        let later = t0.adding(milliseconds: 5)
        #expect(try node.apply(.cancel(Fixtures.id(1), at: later)) == .cancelled(count: 2))
        let status = try #require(try node.status(1))
        #expect(status.record.recipients.map(\.state) == [.cancelled, .suppressed, .cancelled])
        #expect(status.record.recipients[0].updatedAt == later)
        #expect(status.count(of: .cancelled) == 2)
        #expect(!status.bodyStored)
        #expect(node.store.count(in: .queue) == 0)

        #expect(try node.apply(.cancel(Fixtures.id(1), at: later)) == .alreadyFinal)
        #expect(try node.apply(.cancel(Fixtures.id(9), at: later)) == .notFound)
    }

    @Test("unsuppress removes the entry, and later mail goes out again")
    func unsuppress() throws {
        var node = Node()
        try node.apply(.suppress(SuppressionEntry(address: "bob@example.com", reason: .complaint), at: t0))
        #expect(try node.apply(.unsuppress("BOB@example.com", at: t0)) == .unsuppressed(found: true))
        #expect(try node.apply(.unsuppress("bob@example.com", at: t0)) == .unsuppressed(found: false))
        #expect(try node.machine.suppression(of: "bob@example.com", reader: node.store) == nil)
        #expect(try node.apply(.enqueue(Fixtures.request(1), at: t0)) == .enqueued(Fixtures.id(1), suppressed: []))
    }

    @Test("suppressions list in key order, page by page")
    func listSuppressions() throws {
        var node = Node()
        for address in ["d@x.org", "@y.org", "b@x.org", "c@x.org", "a@x.org"] {
            try node.apply(.suppress(SuppressionEntry(address: address, reason: .manual), at: t0))
        }
        let first = try node.machine.listSuppressions(after: nil, limit: 2, reader: node.store)
        #expect(first.map(\.address) == ["@y.org", "a@x.org"])
        let second = try node.machine.listSuppressions(after: first.last?.address, limit: 10, reader: node.store)
        #expect(second.map(\.address) == ["b@x.org", "c@x.org", "d@x.org"])
    }

    @Test("commands that cannot apply are rejected without writes")
    func rejections() throws {
        var node = Node()
        try node.apply(.enqueue(Fixtures.request(1), at: t0))
        #expect(try node.apply(.enqueue(Fixtures.request(1), at: t0)) == .rejected(.messageIDInUse(Fixtures.id(1))))
        #expect(try node.apply(.enqueue(Fixtures.request(2, to: []), at: t0)) == .rejected(.noRecipients))
        #expect(try node.apply(.suppress(SuppressionEntry(address: "nobody", reason: .manual), at: t0))
            == .rejected(.unusableSuppressionAddress("nobody")))
        #expect(node.store.count(in: .messages) == 1)
        #expect(node.store.count(in: .suppression) == 0)
    }

    @Test("two independent nodes applying the same commands hold identical bytes and digests")
    func determinism() throws {
        var rng = SeededGenerator(seed: 0xD37)
        var commands: [QueueCommand] = []
        let addresses = ["a@x.org", "B@x.org", "c@y.org", "@y.org", "d@z.org"]
        for step in 0..<400 {
            let now = t0.adding(milliseconds: UInt64(step) * 10 * 60 * 1000)
            switch Int.random(in: 0..<10, using: &rng) {
            case 0..<5:
                let recipients = Array(addresses.filter { !$0.hasPrefix("@") }.shuffled(using: &rng)
                    .prefix(Int.random(in: 1...4, using: &rng)))
                let key = Bool.random(using: &rng) ? "key-\(Int.random(in: 0..<20, using: &rng))" : nil
                commands.append(.enqueue(Fixtures.request(UInt64(step), key: key, to: recipients), at: now))
            case 5..<7:
                commands.append(.cancel(Fixtures.id(UInt64.random(in: 0..<UInt64(step + 1), using: &rng)), at: now))
            case 7..<9:
                commands.append(.suppress(SuppressionEntry(address: addresses.randomElement(using: &rng)!,
                                                           reason: .hardBounce, source: "s\(step)"), at: now))
            case 9 where step % 3 == 0:
                commands.append(.expireIdempotencyKeys(before: now, limit: 3, at: now))
            default:
                commands.append(.unsuppress(addresses.randomElement(using: &rng)!, at: now))
            }
        }
        // Node a applies in batches of 7, node b one command per batch.
        var a = Node()
        var b = Node()
        var outcomesA: [CommandOutcome] = []
        var outcomesB: [CommandOutcome] = []
        for start in stride(from: 0, to: commands.count, by: 7) {
            outcomesA += try a.apply(Array(commands[start..<min(start + 7, commands.count)]))
        }
        for command in commands { outcomesB.append(try b.apply(command)) }
        #expect(outcomesA == outcomesB)
        #expect(a.store == b.store)
        #expect(a.digest == b.digest)
        #expect(a.digest.index == AppliedIndex(UInt64(commands.count)))
        #expect(outcomesA.contains { if case .duplicate = $0 { true } else { false } })
        #expect(outcomesA.contains { if case .cancelled = $0 { true } else { false } })
        #expect(a.store.count(in: .queue) > 0)

        // A different command history gives a different digest.
        var c = Node()
        try c.apply(Array(commands.dropLast()) + [.unsuppress("other@x.org", at: t0)])
        #expect(c.digest != a.digest)
    }

    @Test("seeded random commands, including odd ones, apply without trapping and identically on two nodes")
    func randomCommandsAreDeterministic() throws {
        var rng = SeededGenerator(seed: 0xA11)
        var commands: [QueueCommand] = []
        for _ in 0..<600 {
            var command = Fixtures.randomCommand(&rng)
            if case .cancel = command.action, let earlier = commands.randomElement(using: &rng),
               case .enqueue(let request) = earlier.action {
                command = .cancel(request.messageID, at: command.timestamp)  // hit real messages too
            }
            commands.append(command)
        }
        var a = Node()
        var b = Node()
        let outcomesA = try a.apply(commands)
        var outcomesB: [CommandOutcome] = []
        for start in stride(from: 0, to: commands.count, by: 13) {
            outcomesB += try b.apply(Array(commands[start..<min(start + 13, commands.count)]))
        }
        #expect(outcomesA == outcomesB)
        #expect(a.store == b.store)
        #expect(a.digest == b.digest)
    }

    @Test("expiry forgets keys older than the window, oldest first, in bounded steps")
    func idempotencyKeyExpiry() throws {
        var node = Node(config: QueueModelConfig(idempotencyWindow: 1000))
        for n in 0..<5 {
            try node.apply(.enqueue(Fixtures.request(UInt64(n), key: "k\(n)"), at: t0.adding(milliseconds: UInt64(n) * 100)))
        }
        let now = t0.adding(milliseconds: 1250)  // keys k0, k1, k2 (t0, +100, +200) are outside the window
        // The leader asks for more than the window allows: only the old keys go.
        #expect(try node.apply(.expireIdempotencyKeys(before: now, limit: 2, at: now))
            == .idempotencyKeysExpired(count: 2, more: true))
        #expect(try node.apply(.expireIdempotencyKeys(before: now, limit: 2, at: now))
            == .idempotencyKeysExpired(count: 1, more: false))
        #expect(try node.apply(.expireIdempotencyKeys(before: now, limit: 2, at: now))
            == .idempotencyKeysExpired(count: 0, more: false))
        #expect(node.store.count(in: .idempotency) == 4)  // k3 and k4, record and index each
        #expect(node.store.value(in: .idempotency, key: IdempotencyKeys.recordKey("k0")) == nil)
        #expect(try node.apply(.enqueue(Fixtures.request(10, key: "k3"), at: now)) == .duplicate(original: Fixtures.id(3), suppressed: []))
        #expect(try node.apply(.enqueue(Fixtures.request(11, key: "k0"), at: now))
            == .enqueued(Fixtures.id(11), suppressed: []))
    }

    @Test("re-using a key after its window moves its expiry index entry")
    func reusedKeyMovesIndex() throws {
        var node = Node(config: QueueModelConfig(idempotencyWindow: 1000))
        try node.apply(.enqueue(Fixtures.request(1, key: "k"), at: t0))
        let later = t0.adding(milliseconds: 5000)
        try node.apply(.enqueue(Fixtures.request(2, key: "k"), at: later))
        #expect(node.store.count(in: .idempotency) == 2)
        #expect(node.store.value(in: .idempotency, key: IdempotencyKeys.expiryKey("k", enqueuedAt: later)) == [])
        #expect(try node.apply(.expireIdempotencyKeys(before: later, limit: 10, at: later))
            == .idempotencyKeysExpired(count: 0, more: false))
    }

    @Test("commands in one batch see each other's effects through the overlay")
    func overlayWithinBatch() throws {
        var node = Node()
        let outcomes = try node.apply([
            .suppress(SuppressionEntry(address: "bob@example.com", reason: .manual), at: t0),
            .enqueue(Fixtures.request(1, key: "k", to: ["bob@example.com", "amy@example.com"]), at: t0),
            .enqueue(Fixtures.request(2, key: "k"), at: t0),
            .cancel(Fixtures.id(1), at: t0),
            .unsuppress("bob@example.com", at: t0),
            .unsuppress("bob@example.com", at: t0),
        ])
        #expect(outcomes == [
            .suppressed,
            .enqueued(Fixtures.id(1), suppressed: ["bob@example.com"]),
            .duplicate(original: Fixtures.id(1), suppressed: ["bob@example.com"]),
            .cancelled(count: 1),
            .unsuppressed(found: true),
            .unsuppressed(found: false),
        ])
        #expect(node.store.count(in: .queue) == 0)
        #expect(node.store.count(in: .suppression) == 0)
    }

    @Test("already applied entries are skipped, so a replay after restart applies nothing twice")
    func replayIsSkipped() throws {
        var node = Node()
        let commands: [QueueCommand] = [.enqueue(Fixtures.request(1), at: t0), .cancel(Fixtures.id(1), at: t0)]
        let entries = commands.enumerated().map {
            CommittedCommand(index: AppliedIndex(UInt64($0.offset + 1)), bytes: $0.element.encoded())
        }
        let first = try node.machine.applyBatch(entries, reader: node.store, digest: node.digest)
        node.store.write(first.mutations)
        let replay = try node.machine.applyBatch(entries, reader: node.store, digest: try StateDigest.load(from: node.store))
        #expect(replay.mutations.isEmpty)
        #expect(replay.outcomes.isEmpty)
        #expect(replay.digest == first.digest)
    }

    @Test("a malformed entry is a no-op with a rejection, but an entry from a newer version stops the batch")
    func malformedAndNewerEntries() throws {
        let machine = QueueStateMachine()
        let good = QueueCommand.enqueue(Fixtures.request(1), at: t0).encoded()
        let result = try machine.applyBatch([
            CommittedCommand(index: AppliedIndex(1), bytes: Array(good.dropLast())),
            CommittedCommand(index: AppliedIndex(2), bytes: good),
        ], reader: MemoryStore(), digest: .genesis)
        #expect(result.outcomes.map(\.outcome) == [
            .rejected(.malformedCommand(.truncated(field: "enqueue.message", offset: good.count - 1 - Fixtures.message().count))),
            .enqueued(Fixtures.id(1), suppressed: []),
        ])
        #expect(result.digest.index == AppliedIndex(2))

        #expect(throws: BatchApplyError.needsNewerVersion(index: AppliedIndex(1), .reservedCommand(tag: 6))) {
            try machine.applyBatch([CommittedCommand(index: AppliedIndex(1), bytes: [1, 6])],
                                   reader: MemoryStore(), digest: .genesis)
        }
    }

    @Test("a corrupt stored record stops apply with the family and key")
    func corruptRecord() {
        var store = MemoryStore()
        store.write([.put(.messages, key: Fixtures.id(1).bytes, value: [1, 2, 3])])
        #expect(throws: CorruptStateError.self) {
            try QueueStateMachine().apply(.cancel(Fixtures.id(1), at: t0), index: AppliedIndex(1), reader: store)
        }
    }
}
