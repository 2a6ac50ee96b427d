import Foundation
@testable import HeraldNode
import QueueModel
import RaftCore
import StateStore
import Testing

/// The applier skips RocksDB reads for keys its `AbsentKeyFilter` knows are absent;
/// these tests apply real commands to a real store and check that nothing the reads
/// would have found is missed: taken ids, suppressed addresses and domains, before and
/// after the store is reopened.
@Suite struct AbsentKeyFilterTests {
    @Test func theBloomFilterNeverForgetsAKeyAndRejectsMostOthers() {
        var filter = KeyBloomFilter(capacity: 10_000)
        let inserted = (0..<10_000).map { Array("user\($0)@example.com".utf8) }
        for key in inserted { key.withUnsafeBytes { filter.insert($0) } }
        #expect(inserted.allSatisfy { key in key.withUnsafeBytes { filter.mayContain($0) } })
        let falsePositives = (0..<10_000).filter { n in
            Array("other\(n)@example.net".utf8).withUnsafeBytes { filter.mayContain($0) }
        }.count
        #expect(falsePositives < 300, "about 1 % expected at capacity, got \(falsePositives) in 10,000")
        #expect(!filter.isOverfull)
        "one more".utf8.map { $0 }.withUnsafeBytes { filter.insert($0) }
        #expect(filter.isOverfull)
    }

    @Test func suppressionsAreFoundByTheApplierBeforeAndAfterAReopen() throws {
        let directory = try TemporaryDirectory()
        var log = CommandLog()
        do {
            let applier = try QueueApplier(store: try openStore(directory.path))
            _ = try log.apply(.suppress(SuppressionEntry(address: "Blocked@Example.org", reason: .complaint)), to: applier)
            _ = try log.apply(.suppress(SuppressionEntry(address: "@blocked-domain.test", reason: .manual)), to: applier)
            #expect(try log.enqueue(to: ["blocked@example.org", "ok@example.org"], on: applier) == ["blocked@example.org"])
            #expect(try log.enqueue(to: ["anyone@blocked-domain.test"], on: applier) == ["anyone@blocked-domain.test"])
        }
        // A new applier over the same directory rebuilds its filter from the store.
        let reopened = try QueueApplier(store: try openStore(directory.path))
        #expect(try log.enqueue(to: ["BLOCKED@example.org"], on: reopened) == ["BLOCKED@example.org"])
        #expect(try log.enqueue(to: ["x@blocked-domain.test", "y@fine.test"], on: reopened) == ["x@blocked-domain.test"])
        // Suppressions added after the reopen count too.
        _ = try log.apply(.suppress(SuppressionEntry(address: "late@example.org", reason: .hardBounce)), to: reopened)
        #expect(try log.enqueue(to: ["late@example.org"], on: reopened) == ["late@example.org"])
        #expect(try log.enqueue(to: ["fresh@example.org"], on: reopened) == [])
    }

    @Test func aTakenMessageIDIsRefusedWhateverItsPlaceAmongTheIDs() throws {
        let directory = try TemporaryDirectory()
        var log = CommandLog()
        let low = MessageID(high: 10, low: 1), high = MessageID(high: 20, low: 1)
        do {
            let applier = try QueueApplier(store: try openStore(directory.path))
            #expect(try log.apply(.enqueue(CommandLog.request(id: high)), to: applier) == .enqueued(high, suppressed: []))
            #expect(try log.apply(.enqueue(CommandLog.request(id: low)), to: applier) == .enqueued(low, suppressed: []))
            #expect(try log.apply(.enqueue(CommandLog.request(id: high)), to: applier) == .rejected(.messageIDInUse(high)))
            #expect(try log.apply(.enqueue(CommandLog.request(id: low)), to: applier) == .rejected(.messageIDInUse(low)))
        }
        let reopened = try QueueApplier(store: try openStore(directory.path))
        #expect(try log.apply(.enqueue(CommandLog.request(id: high)), to: reopened) == .rejected(.messageIDInUse(high)))
        #expect(try log.apply(.enqueue(CommandLog.request(id: low)), to: reopened) == .rejected(.messageIDInUse(low)))
        let higher = MessageID(high: 30, low: 0)
        #expect(try log.apply(.enqueue(CommandLog.request(id: higher)), to: reopened) == .enqueued(higher, suppressed: []))
    }
}

/// Feeds commands to an applier as consecutive committed log entries.
private struct CommandLog {
    private var index: UInt64 = 0
    private var nextID: UInt64 = 1_000

    static func request(id: MessageID, to recipients: [String] = ["bob@example.com"]) -> EnqueueRequest {
        EnqueueRequest(messageID: id, mailFrom: "bounces@example.org", recipients: recipients,
                       message: Array("From: a@example.org\r\nSubject: hi\r\n\r\nhello\r\n".utf8))
    }

    mutating func apply(_ action: QueueCommand.Action, to applier: QueueApplier) throws -> CommandOutcome? {
        index += 1
        let command = QueueCommand(timestamp: Timestamp(millisecondsSinceEpoch: 1_800_000_000_000 + index), action: action)
        let entry = Entry(term: Term(1), index: LogIndex(index), data: command.encoded())
        return try applier.apply([entry])[LogIndex(index)]?.outcome
    }

    /// Enqueues a new message and returns the recipients the applier found suppressed.
    mutating func enqueue(to recipients: [String], on applier: QueueApplier) throws -> [String]? {
        nextID += 1
        let id = MessageID(high: nextID, low: 7)
        guard case .enqueued(_, let suppressed) = try apply(.enqueue(Self.request(id: id, to: recipients)), to: applier)
        else { return nil }
        return suppressed
    }
}
