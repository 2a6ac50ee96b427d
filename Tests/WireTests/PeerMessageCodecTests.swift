import NIOCore
import RaftCore
import Testing
import Wire

@Suite("peer message codec")
struct PeerMessageCodecTests {
    static let membership = Membership(voters: [NodeID(1), NodeID(2), NodeID(3)], learners: [NodeID(9)])
    static let entries = [
        Entry(term: Term(3), index: LogIndex(10), kind: .noop),
        Entry(term: Term(3), index: LogIndex(11), kind: .command, data: Array("enqueue".utf8)),
        Entry(term: Term(4), index: LogIndex(12), kind: .membership, data: [1, 2, 3]),
    ]

    static let bodies: [PeerMessage.Body] = [
        .preVote(lastLogIndex: LogIndex(5), lastLogTerm: Term(2)),
        .preVoteResponse(granted: true),
        .requestVote(lastLogIndex: LogIndex(5), lastLogTerm: Term(2), leadershipTransfer: true),
        .requestVoteResponse(granted: false),
        .append(prevLogIndex: LogIndex(9), prevLogTerm: Term(3), entries: entries, leaderCommit: LogIndex(8)),
        .append(prevLogIndex: LogIndex(9), prevLogTerm: Term(3), entries: [], leaderCommit: LogIndex(9)),
        .appendResponse(success: false, matchIndex: LogIndex(0), rejectHint: LogIndex(7), rejectHintTerm: Term(2)),
        .heartbeat(commit: LogIndex(12), context: 77),
        .heartbeatResponse(context: 77),
        .installSnapshot(metadata: SnapshotMetadata(index: LogIndex(100), term: Term(4), membership: membership),
                         offset: 4096, chunk: Array(repeating: 0xAB, count: 100), done: true),
        .installSnapshotResponse(index: LogIndex(100), bytesReceived: 4196, success: true),
        .timeoutNow,
        .readIndex(context: 5),
        .readIndexResponse(context: 5, index: LogIndex(12)),
    ]

    @Test("every message kind round-trips", arguments: bodies)
    func roundTrip(body: PeerMessage.Body) throws {
        let message = PeerMessage(from: NodeID(1), to: NodeID(2), term: Term(7), body: body)
        var buffer = ByteBuffer()
        PeerMessageCodec.encode([message, message], into: &buffer)
        #expect(try PeerMessageCodec.decodeMessages(from: &buffer) == [message, message])
    }

    @Test("every truncation of an encoded message is a typed error, never a trap")
    func truncations() throws {
        for body in Self.bodies {
            var buffer = ByteBuffer()
            PeerMessageCodec.encode([PeerMessage(from: NodeID(1), to: NodeID(2), term: Term(7), body: body)], into: &buffer)
            for length in 0..<buffer.readableBytes {
                var cut = buffer.getSlice(at: 0, length: length)!
                #expect(throws: WireError.self) { try PeerMessageCodec.decodeMessages(from: &cut) }
            }
        }
    }

    @Test("seeded random bytes never trap the decoder")
    func randomBytes() {
        var generator = SeededGenerator(seed: 42)
        for _ in 0..<5_000 {
            let length = Int.random(in: 0..<64, using: &generator)
            var buffer = ByteBuffer(bytes: (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) })
            _ = try? PeerMessageCodec.decodeMessages(from: &buffer)
        }
    }

    @Test("hostile counts are refused by the limits")
    func hostileCounts() {
        var buffer = ByteBuffer()
        buffer.writeInteger(UInt32(1))
        buffer.writeInteger(UInt64(1)); buffer.writeInteger(UInt64(2)); buffer.writeInteger(UInt64(3))
        buffer.writeInteger(UInt8(4))  // append
        buffer.writeInteger(UInt64(0)); buffer.writeInteger(UInt64(0)); buffer.writeInteger(UInt64(0))
        buffer.writeInteger(UInt32.max)
        #expect(throws: WireError.malformed("4294967295 entries in one append")) {
            try PeerMessageCodec.decodeMessages(from: &buffer, limits: .init(maxEntries: 1000))
        }
    }

    @Test("the hello round-trips and rejects trailing bytes")
    func hello() throws {
        let hello = PeerHello(clusterName: "prod-eu", from: NodeID(3), to: NodeID(1))
        var buffer = ByteBuffer()
        hello.encode(into: &buffer)
        var copy = buffer
        #expect(try PeerHello.decode(from: &copy) == hello)
        buffer.writeInteger(UInt8(0))
        #expect(throws: WireError.malformed("1 trailing bytes after hello")) { try PeerHello.decode(from: &buffer) }
    }
}

/// SplitMix64, for reproducible fuzz inputs.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
