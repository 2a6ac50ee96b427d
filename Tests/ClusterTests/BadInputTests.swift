import Foundation
import HeraldClient
import NIOCore
import Synchronization
import Testing
import Wire

/// Error codes and frame kinds as docs/protocol.md numbers them: the tests check the
/// wire contract, so they spell the numbers out rather than borrow the node's constants.
private enum Contract {
    static let malformedRequest: UInt16 = 1
    static let unknownRequest: UInt16 = 2
    static let unsupportedVersion: UInt16 = 3
    static let frameTooLarge: UInt16 = 4
    static let helloRequired: UInt16 = 14

    static let welcome: UInt8 = 0x81
    static let clusterStatusResult: UInt8 = 0x98
    static let error: UInt8 = 0xFF
    /// The producer limit a node uses unless configured otherwise (32 MiB).
    static let defaultMaxFrameBytes = 32 << 20

    static let peerRefused: UInt8 = 3
}

/// Bad input on a node's producer and peer ports (the "bad input" issue): garbage,
/// cut frames, lying lengths, unknown kinds, requests before hello, a client that
/// trickles. Each gets a clear error or a closed connection, never a hang; the node stays
/// up, a well-behaved producer on the same node keeps being served throughout, and the
/// cluster keeps its leader and converges afterwards.
@Suite("bad input on the producer and peer ports", .serialized)
struct BadInputTests {
    @Test("seeded garbage before hello and seeded random frames after it: an error frame or a close, never a hang")
    func garbage() async throws {
        let (cluster, leader) = try startedCluster()
        let port = cluster.node(leader).clientPort
        try await withSteadyProducer(cluster, at: leader) {
            // Garbage as the first bytes of a connection: raw (seeds 0-15; nearly always an
            // absurd length), and with a length prefix that fits inside it (seeds 16-31: a
            // whole frame of random kind and payload). All connections are opened first, so
            // the ones the hello timer must close wait out that timer together.
            let seeds = Array(UInt64(0)..<32)
            let garbage = seeds.map { seed -> [UInt8] in
                var random = SeededGenerator(seed: seed)
                let count = Int.random(in: 16...1024, using: &random)
                var bytes = random.bytes(count)
                if seed >= 16 {
                    if seed % 4 == 0 { bytes[4] = 0x01 }  // some claim to be a hello
                    var length = WireBytes()
                    length.u32(UInt32.random(in: 1...UInt32(count - 4), using: &random))
                    bytes.replaceSubrange(0..<4, with: length.bytes)
                }
                return bytes
            }
            let outcomes = try await blocking { try Self.sendAndWatch(garbage.map { (port, $0) }) }
            for (seed, (bytes, outcome)) in zip(seeds, zip(garbage, outcomes)) {
                let expected = Self.expectedBeforeHello(bytes)
                let context = "seed \(seed): \(bytes.prefix(8)) expected \(expected), got \(outcome.frames) closed=\(outcome.closed) after \(outcome.elapsed)"
                #expect(outcome.closed, "connection still open at the deadline: \(context)")
                switch expected {
                case .errorThenClose(let code, let requestID):
                    #expect(outcome.frames.count == 1, "\(context)")
                    #expect(outcome.frames.first?.kind == Contract.error, "\(context)")
                    #expect(outcome.frames.first?.errorCode == code, "\(context)")
                    #expect(outcome.frames.first?.requestID == requestID, "\(context)")
                case .closedByHelloTimer:
                    #expect(outcome.frames.isEmpty, "\(context)")
                    #expect(outcome.elapsed >= .seconds(9), "closed before the hello timeout: \(context)")
                }
            }

            let paths = Dictionary(grouping: garbage.map { Self.expectedBeforeHello($0).path }, by: { $0 }).mapValues(\.count)
            print("garbage before hello: \(paths.sorted { $0.key < $1.key })")

            // Framed but random requests on a welcomed connection: each is answered on its
            // own (the frame boundaries are intact), and the connection keeps serving.
            var random = SeededGenerator(seed: 0xBAD)
            let requestKinds: [UInt8] = [0x01, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18]
            var frames: [RawFrame] = []
            for index in 0..<300 {
                let kind = Bool.random(using: &random) ? requestKinds.randomElement(using: &random)! : UInt8.random(in: 0...255, using: &random)
                let count = Int.random(in: 0..<40, using: &random)
                var payload = random.bytes(count)
                if payload.count >= 8 {
                    // A distinct request id, so each answer can be matched to its frame.
                    var id = WireBytes()
                    id.u64(0x5EED_0000 + UInt64(index))
                    payload.replaceSubrange(0..<8, with: id.bytes)
                }
                frames.append(RawFrame(kind: kind, payload: payload))
            }
            let finalID: UInt64 = 0xF1_4A1
            let fuzz = frames
            let answered = try await blocking { () -> (welcomed: Bool, answers: [RawFrame], end: RawConnection.Read?) in
                let connection = try RawConnection(port: port)
                connection.sendAll(RawFrames.hello(requestID: 1).bytes)
                guard connection.read(until: .now + .seconds(10)).frame?.kind == Contract.welcome else { return (false, [], nil) }
                connection.sendAll(fuzz.flatMap(\.bytes) + RawFrames.clusterStatus(requestID: finalID).bytes)
                var collected: [RawFrame] = []
                let deadline = ContinuousClock.now + .seconds(20)
                while collected.count < fuzz.count + 1 {
                    let read = connection.read(until: deadline)
                    guard let frame = read.frame else { return (true, collected, read) }
                    collected.append(frame)
                }
                return (true, collected, nil)
            }
            #expect(answered.welcomed)
            #expect(answered.end == nil, "the answers stopped after \(answered.answers.count): \(answered.end.map(String.init(describing:)) ?? "")")
            let collected = answered.answers
            #expect(collected.count == frames.count + 1)
            var byID: [UInt64: [RawFrame]] = [:]
            for answer in collected { byID[answer.requestID ?? 0, default: []].append(answer) }
            #expect(byID[finalID]?.map(\.kind) == [Contract.clusterStatusResult], "the connection stopped serving after random frames")
            var shortPayloads = 0
            for (index, frame) in frames.enumerated() {
                let prediction: UInt16?
                do {
                    _ = try ProducerRequest.decode(Frame(kind: frame.kind, payload: ByteBuffer(bytes: frame.payload)))
                    prediction = nil  // decodes: answered like any request
                } catch {
                    if case .unknownKind? = error as? WireError { prediction = Contract.unknownRequest } else { prediction = Contract.malformedRequest }
                }
                guard frame.payload.count >= 8 else {
                    shortPayloads += 1
                    continue
                }
                let answer = byID[0x5EED_0000 + UInt64(index)]
                #expect(answer?.count == 1, "frame \(index) (kind \(frame.kind)) got \(answer ?? [])")
                if let prediction {
                    #expect(answer?.first?.errorCode == prediction, "frame \(index) (kind \(frame.kind)): \(answer ?? [])")
                }
            }
            // Payloads too short to hold an id are answered with id 0, as malformed or unknown.
            let anonymous = byID[0] ?? []
            #expect(anonymous.count == shortPayloads)
            #expect(anonymous.allSatisfy { $0.errorCode == Contract.malformedRequest || $0.errorCode == Contract.unknownRequest },
                    "\(anonymous)")
        }
        try await expectHealthy(cluster, leader: leader)
    }

    @Test("an oversized or zero length gets an error and a close; a truncated frame does not hurt the node")
    func framing() async throws {
        let (cluster, leader) = try startedCluster()
        let port = cluster.node(leader).clientPort
        try await withSteadyProducer(cluster, at: leader) {
            // 0x7FFFFFFF before hello: refused before anything is read or allocated.
            let early = try await blocking {
                let connection = try RawConnection(port: port)
                connection.sendAll(RawFrames.lengthPrefix(0x7FFF_FFFF) + [0x10, 1, 2, 3])
                return connection.readAll(until: .now + .seconds(15))
            }
            #expect(early.closed)
            #expect(early.frames.map(\.kind) == [Contract.error], "\(early.frames)")
            #expect(early.frames.first?.errorCode == Contract.frameTooLarge)
            #expect(early.frames.first?.requestID == 0)

            // After hello: 0x7FFFFFFF, and one byte over the limit the welcome advertised.
            for overBy in [UInt32(0x7FFF_FFFF), 1] {
                let (welcome, outcome) = try await blocking { () -> (RawFrame?, (frames: [RawFrame], closed: Bool)) in
                    let connection = try RawConnection(port: port)
                    connection.sendAll(RawFrames.hello(requestID: 1).bytes)
                    guard let welcome = connection.read(until: .now + .seconds(10)).frame else { return (nil, ([], false)) }
                    let limit = welcome.maxFrameBytes ?? 0
                    let length = overBy == 1 ? limit + 1 : overBy
                    connection.sendAll(RawFrames.lengthPrefix(length) + [0x18])
                    return (welcome, connection.readAll(until: .now + .seconds(15)))
                }
                #expect(welcome?.kind == Contract.welcome)
                #expect(welcome?.maxFrameBytes == UInt32(Contract.defaultMaxFrameBytes))
                #expect(outcome.closed, "oversized by \(overBy): still open")
                #expect(outcome.frames.map(\.kind) == [Contract.error], "\(outcome.frames)")
                #expect(outcome.frames.first?.errorCode == Contract.frameTooLarge)
                #expect(outcome.frames.first?.requestID == 0)
            }

            // A zero length has no kind byte: framing damage.
            let zero = try await blocking {
                let connection = try RawConnection(port: port)
                connection.sendAll(RawFrames.hello(requestID: 1).bytes + [0, 0, 0, 0])
                return connection.readAll(until: .now + .seconds(15))
            }
            #expect(zero.closed)
            #expect(zero.frames.map(\.kind) == [Contract.welcome, Contract.error], "\(zero.frames)")
            #expect(zero.frames.last?.errorCode == Contract.malformedRequest)
            #expect(zero.frames.last?.requestID == 0)

            // A truncated frame and then end of stream, before and after hello: the node
            // ends the connection (an error frame may or may not make it out first).
            for afterHello in [false, true] {
                let cut = try await blocking {
                    let connection = try RawConnection(port: port)
                    if afterHello { connection.sendAll(RawFrames.hello(requestID: 1).bytes) }
                    let frame = RawFrames.clusterStatus(requestID: 2).bytes
                    connection.sendAll(RawFrames.lengthPrefix(100) + Array(frame[4..<frame.count]))
                    connection.shutdownWrite()
                    return connection.readAll(until: .now + .seconds(15))
                }
                #expect(cut.closed, "after hello: \(afterHello); still open")
                let errors = cut.frames.filter { $0.kind != Contract.welcome }
                #expect(errors.allSatisfy { $0.errorCode == Contract.malformedRequest }, "\(cut.frames)")
            }

            // A truncated frame and then a plain close; the node serves the next connection.
            try await blocking {
                let connection = try RawConnection(port: port)
                connection.sendAll(RawFrames.hello(requestID: 1).bytes + RawFrames.lengthPrefix(1000) + [0x10, 0, 0])
                _ = connection.read(until: .now + .seconds(10))
            }
            let after = try await blocking { try Self.helloThenClusterStatus(port: port) }
            #expect(after.map(\.kind) == [Contract.welcome, Contract.clusterStatusResult], "\(after)")
        }
        try await expectHealthy(cluster, leader: leader)
    }

    @Test("unknown kinds and bad payloads keep the connection; requests before hello and bad hellos close it")
    func requests() async throws {
        let (cluster, leader) = try startedCluster()
        // A follower: it answers cluster status itself and forwards writes.
        let follower = cluster.nodes.map(\.id).first { $0 != leader }!
        let port = cluster.node(follower).clientPort
        try await withSteadyProducer(cluster, at: follower) {
            let answers = try await blocking { () -> [RawConnection.Read] in
                let connection = try RawConnection(port: port)
                let deadline = ContinuousClock.now + .seconds(15)
                var reads: [RawConnection.Read] = []
                for frame in [
                    RawFrames.hello(requestID: 1),
                    RawFrames.request(kind: 0x7E, requestID: 7, body: [1, 2, 3]),  // not a request kind
                    RawFrames.request(kind: 0x90, requestID: 8),  // a response kind, sent by a client
                    RawFrames.clusterStatus(requestID: 9),
                    RawFrames.request(kind: 0x18, requestID: 10, body: [0]),  // a byte left over
                    RawFrames.hello(requestID: 11),  // a second hello
                    RawFrames.clusterStatus(requestID: 12),
                ] {
                    // One at a time, so the order of answers is the order of requests.
                    connection.sendAll(frame.bytes)
                    reads.append(connection.read(until: deadline))
                }
                return reads
            }
            #expect(answers.map { $0.frame?.requestID } == [1, 7, 8, 9, 10, 11, 12], "\(answers)")
            #expect(answers.map { $0.frame?.kind } == [Contract.welcome, Contract.error, Contract.error, Contract.clusterStatusResult,
                                                       Contract.error, Contract.error, Contract.clusterStatusResult], "\(answers)")
            #expect(answers.map { $0.frame?.errorCode } == [nil, Contract.unknownRequest, Contract.unknownRequest, nil,
                                                            Contract.malformedRequest, Contract.malformedRequest, nil], "\(answers)")

            // The first frame must be a hello that decodes, in a version the node speaks.
            let refusedFirst: [(String, RawFrame, UInt16)] = [
                ("cluster status before hello", RawFrames.clusterStatus(requestID: 5), Contract.helloRequired),
                ("unknown kind before hello", RawFrames.request(kind: 0x7E, requestID: 6), Contract.helloRequired),
                ("hello in version 99", RawFrames.hello(requestID: 3, version: 99), Contract.unsupportedVersion),
                ("hello cut after its version", RawFrame(kind: 0x01, payload: Array(RawFrames.hello(requestID: 4).payload.dropLast(18))),
                 Contract.malformedRequest),
            ]
            for (name, frame, code) in refusedFirst {
                let outcome = try await blocking {
                    let connection = try RawConnection(port: port)
                    connection.sendAll(frame.bytes)
                    return connection.readAll(until: .now + .seconds(15))
                }
                #expect(outcome.closed, "\(name): connection left open")
                #expect(outcome.frames.map(\.errorCode) == [code], "\(name): \(outcome.frames)")
                #expect(outcome.frames.first?.requestID == frame.requestID, "\(name): \(outcome.frames)")
            }

            // A client that ends its side of the stream after its requests still gets every
            // answer; then the node closes the connection.
            let halfClosed = try await blocking {
                let connection = try RawConnection(port: port)
                connection.sendAll(RawFrames.hello(requestID: 1).bytes + RawFrames.clusterStatus(requestID: 2).bytes
                                   + RawFrames.clusterStatus(requestID: 3).bytes)
                connection.shutdownWrite()
                return connection.readAll(until: .now + .seconds(15))
            }
            #expect(halfClosed.closed, "half-closed connection left open")
            #expect(halfClosed.frames.map(\.kind) == [Contract.welcome, Contract.clusterStatusResult, Contract.clusterStatusResult],
                    "\(halfClosed.frames)")
            #expect(Set(halfClosed.frames.map(\.requestID)) == [1, 2, 3], "\(halfClosed.frames)")
        }
        try await expectHealthy(cluster, leader: leader)
    }

    @Test("a client that trickles a hello one byte per 200 ms is closed at the hello timeout")
    func trickle() async throws {
        let (cluster, leader) = try startedCluster()
        let port = cluster.node(leader).clientPort
        try await withSteadyProducer(cluster, at: leader) {
            // 5 bytes a second: this 220-byte hello would need 44 s, past the 10 s timeout.
            let hello = RawFrames.hello(requestID: 1, client: String(repeating: "slow", count: 50)).bytes
            let outcome = try await blocking { () -> (sent: Int, closedAfter: Duration?) in
                let connection = try RawConnection(port: port)
                let start = ContinuousClock.now
                var sent = 0
                while ContinuousClock.now < start + .seconds(20), sent < hello.count {
                    guard connection.sendAll([hello[sent]]) else { return (sent, start.duration(to: .now)) }
                    sent += 1
                    // The pause between bytes is two receives of up to 100 ms each, so a
                    // close shows up at once.
                    if connection.receiveSlice() == .closed || connection.receiveSlice() == .closed {
                        return (sent, start.duration(to: .now))
                    }
                }
                return (sent, nil)
            }
            let closedAfter = try #require(outcome.closedAfter, "not closed within 20 s (\(outcome.sent) bytes sent)")
            #expect(closedAfter >= .seconds(9), "closed after \(closedAfter), before the hello timeout")
            #expect(closedAfter <= .seconds(15), "closed only after \(closedAfter)")
            #expect(outcome.sent < hello.count)
        }
        try await expectHealthy(cluster, leader: leader)
    }

    @Test("after hello, a frame trickled one byte at a time is cut off by the 30 s frame deadline")
    func trickleAfterHello() async throws {
        let (cluster, leader) = try startedCluster()
        let port = cluster.node(leader).clientPort
        try await withSteadyProducer(cluster, at: leader) {
            let outcome = try await blocking { () -> (welcomed: Bool, sent: Int, closedAfter: Duration?) in
                let connection = try RawConnection(port: port)
                connection.sendAll(RawFrames.hello(requestID: 1).bytes)
                guard case .frame(let welcome) = connection.read(until: .now + .seconds(15)), welcome.kind == 0x81 else {
                    return (false, 0, nil)
                }
                // A 1,000-byte cluster-status frame, one byte every 200 ms: it would take 200 s.
                let frame = RawFrames.lengthPrefix(1000) + [0x18] + [UInt8](repeating: 0, count: 999)
                let start = ContinuousClock.now
                var sent = 0
                while ContinuousClock.now < start + .seconds(45), sent < frame.count {
                    guard connection.sendAll([frame[sent]]) else { return (true, sent, start.duration(to: .now)) }
                    sent += 1
                    if connection.receiveSlice() == .closed || connection.receiveSlice() == .closed {
                        return (true, sent, start.duration(to: .now))
                    }
                }
                return (true, sent, nil)
            }
            #expect(outcome.welcomed)
            let closedAfter = try #require(outcome.closedAfter, "not closed within 45 s (\(outcome.sent) bytes sent)")
            #expect(closedAfter >= .seconds(29), "closed after \(closedAfter), before the frame deadline")
            #expect(closedAfter <= .seconds(40), "closed only after \(closedAfter)")
        }
        try await expectHealthy(cluster, leader: leader)
    }

    @Test("garbage, oversized lengths, strangers and non-members on the peer port are refused or closed")
    func peerPort() async throws {
        // Longer election timeout (3 s): the test checks the leader stays, not how fast elections are.
        let (cluster, leader) = try startedCluster(name: "members", electionTicks: 30)
        let term = try #require(cluster.status(leader)?["term"] as? Int)
        try await withSteadyProducer(cluster, at: leader) {
            // Every case on every node at once, so the hello timeouts run out together.
            var cases: [PeerCase] = []
            for node in cluster.nodes {
                let other = cluster.nodes.first { $0.id != node.id }!.id
                for seed in UInt64(100)..<108 {
                    var random = SeededGenerator(seed: seed)
                    let count = Int.random(in: 16...1024, using: &random)
                    cases.append(PeerCase(node: node.id, port: node.peerPort, name: "garbage seed \(seed)",
                                          bytes: random.bytes(count), refusal: nil, crafted: false))
                }
                let crafted: [(String, [UInt8], String?)] = [
                    ("length 0x7FFFFFFF", RawFrames.lengthPrefix(0x7FFF_FFFF) + [1, 0, 1], nil),
                    // Within the frame limit, but no hello is that large: closed at once,
                    // not after gathering 10 MiB or waiting for the hello timer.
                    ("length 10 MiB", RawFrames.lengthPrefix(10 << 20) + [1, 0, 1], nil),
                    ("zero length", [0, 0, 0, 0], nil),
                    ("raft messages before hello", RawFrame(kind: 4, payload: [0, 0, 0, 0]).bytes, "expected a hello frame first"),
                    ("hello from another cluster",
                     RawFrames.peerHello(clusterName: "strangers", from: other, to: node.id).bytes,
                     "cluster \"strangers\" is not this cluster"),
                    ("hello from a non-member",
                     RawFrames.peerHello(clusterName: "members", from: 42, to: node.id).bytes,
                     "node n42 is not a member of this cluster"),
                    ("hello addressed to another node",
                     RawFrames.peerHello(clusterName: "members", from: other, to: other).bytes,
                     "this is node"),
                    ("hello cut short", Array(RawFrames.peerHello(clusterName: "members", from: other, to: node.id).bytes.dropLast(9)), nil),
                ]
                for (name, bytes, refusal) in crafted {
                    cases.append(PeerCase(node: node.id, port: node.peerPort, name: name, bytes: bytes, refusal: refusal,
                                          crafted: true))
                }
            }
            let inputs = cases.map { ($0.port, $0.bytes) }
            let outcomes = try await blocking { try Self.sendAndWatch(inputs) }
            // Alone (the batch above is watched one connection after another), a first
            // frame larger than any hello is closed at once, not by the 5 s hello timer.
            let large = try await blocking {
                try Self.sendAndWatch([(cluster.node(leader).peerPort, RawFrames.lengthPrefix(10 << 20) + [1, 0, 1])])
            }
            #expect(large.first.map { $0.closed && $0.elapsed < .seconds(2) } == true, "\(large)")
            for (peerCase, outcome) in zip(cases, outcomes) {
                let context = "node \(peerCase.node), \(peerCase.name): \(outcome.frames) closed=\(outcome.closed) after \(outcome.elapsed)"
                #expect(outcome.closed, "still open: \(context)")
                // The only thing a peer port says to a stranger is a refusal.
                #expect(outcome.frames.allSatisfy { $0.kind == Contract.peerRefused }, "\(context)")
                guard peerCase.crafted else { continue }
                #expect(outcome.frames.map(\.kind) == (peerCase.refusal == nil ? [] : [Contract.peerRefused]), "\(context)")
                if let reason = peerCase.refusal {
                    #expect(outcome.frames.first.map { String(decoding: $0.payload, as: UTF8.self) }?.contains(reason) == true,
                            "\(context)")
                }
            }
        }
        try await expectHealthy(cluster, leader: leader)
        #expect(cluster.waitForAgreedLeader(timeout: .seconds(10)) == leader, "the leader changed\n\(cluster.logTails())")
        #expect(cluster.status(leader)?["term"] as? Int == term, "an election happened\n\(cluster.logTails())")
    }
}

// MARK: - Helpers

extension BadInputTests {
    /// What garbage sent as a connection's first bytes must get, by docs/protocol.md.
    enum BeforeHello: CustomStringConvertible {
        case errorThenClose(code: UInt16, requestID: UInt64)
        /// An incomplete frame: the node waits for the rest until the hello timeout.
        case closedByHelloTimer

        /// The outcome without the request id, to count which paths a run took.
        var path: String {
            switch self {
            case .errorThenClose(let code, _): "error \(code)"
            case .closedByHelloTimer: "hello timer"
            }
        }

        var description: String {
            switch self {
            case .errorThenClose(let code, let requestID): "error \(code) #\(requestID) then close"
            case .closedByHelloTimer: "closed by the hello timer"
            }
        }
    }

    static func expectedBeforeHello(_ bytes: [UInt8]) -> BeforeHello {
        let length = bytes[0..<4].reduce(0) { $0 << 8 | Int($1) }
        if length > Contract.defaultMaxFrameBytes { return .errorThenClose(code: Contract.frameTooLarge, requestID: 0) }
        if length == 0 { return .errorThenClose(code: Contract.malformedRequest, requestID: 0) }
        guard bytes.count >= 4 + length else { return .closedByHelloTimer }
        let frame = RawFrame(kind: bytes[4], payload: Array(bytes[5..<(4 + length)]))
        // A random hello does not decode (its lengths and leftovers would all have to fit).
        let code = frame.kind == 0x01 ? Contract.malformedRequest : Contract.helloRequired
        return .errorThenClose(code: code, requestID: frame.requestID ?? 0)
    }

    struct Watched: Sendable {
        var frames: [RawFrame]
        var closed: Bool
        var elapsed: Duration
    }

    /// One bad input for a peer port, and what must answer it.
    struct PeerCase {
        var node: UInt64
        var port: Int
        var name: String
        var bytes: [UInt8]
        /// Text of the refusal frame expected before the close; nil: a close alone.
        var refusal: String?
        /// Crafted (its answer is known exactly) rather than random garbage.
        var crafted: Bool
    }

    /// Opens one connection per entry, sends each its bytes, then reads every connection
    /// until the node closes it or 20 s pass.
    static func sendAndWatch(_ inputs: [(port: Int, bytes: [UInt8])]) throws -> [Watched] {
        let start = ContinuousClock.now
        let connections = try inputs.map { port, bytes in
            let connection = try RawConnection(port: port)
            connection.sendAll(bytes)
            return connection
        }
        return connections.map { connection in
            let (frames, closed) = connection.readAll(until: start + .seconds(20))
            return Watched(frames: frames, closed: closed, elapsed: start.duration(to: .now))
        }
    }

    /// A fresh connection's welcome and cluster status answers.
    static func helloThenClusterStatus(port: Int) throws -> [RawFrame] {
        let connection = try RawConnection(port: port)
        connection.sendAll(RawFrames.hello(requestID: 1).bytes + RawFrames.clusterStatus(requestID: 2).bytes)
        let deadline = ContinuousClock.now + .seconds(15)
        return [connection.read(until: deadline), connection.read(until: deadline)].compactMap(\.frame)
    }
}

/// A 3-node cluster with an agreed leader.
private func startedCluster(name: String = "badinput", electionTicks: Int = 10) throws -> (LocalCluster, UInt64) {
    let cluster = try LocalCluster(size: 3, name: name, electionTicks: electionTicks)
    try cluster.startAll()
    let leader = try #require(cluster.waitForAgreedLeader(), "no leader\n\(cluster.logTails())")
    return (cluster, leader)
}

/// The nodes all still run, the leader's `/v1/status` answers, and the replicas converge.
private func expectHealthy(_ cluster: LocalCluster, leader: UInt64) async throws {
    for node in cluster.nodes {
        #expect(cluster.isRunning(node.id), "node \(node.id) is gone\n\(cluster.logTails())")
    }
    #expect(cluster.status(leader) != nil, "the leader's /v1/status does not answer")
    let converged = try await blocking { cluster.waitForConvergence(timeout: .seconds(30)) != nil }
    #expect(converged, "the nodes did not converge\n\(cluster.logTails())")
}

/// Runs `body` while a well-behaved producer enqueues through node `node`, one message
/// after another; then checks that every one of its enqueues succeeded and that it was
/// still being served after `body`.
private func withSteadyProducer(_ cluster: LocalCluster, at node: UInt64, _ body: () async throws -> Void) async throws {
    let producer = SteadyProducer()
    let configuration = HeraldClientConfiguration(clientName: "steady-producer", requestTimeout: .seconds(20))
    try await HeraldClient.withClient(addresses: cluster.producerAddresses(startingAt: node),
                                      configuration: configuration) { client in
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await producer.run(client) }
            defer { producer.stop() }
            let started = await producer.waitForAcks(atLeast: 1)
            try #require(started, "the producer never got an ack\n\(cluster.logTails())")
            let before = producer.tally.acked
            try await body()
            let afterBody = producer.tally.acked
            let servedAfter = await producer.waitForAcks(atLeast: afterBody + 3)
            producer.stop()
            try await group.waitForAll()
            let tally = producer.tally
            #expect(servedAfter, "the producer stalled after the bad input\n\(cluster.logTails())")
            #expect(tally.failures.isEmpty, "the well-behaved producer saw errors: \(tally.failures.prefix(5))")
            #expect(tally.ids.count == tally.acked, "an id was acknowledged twice")
            print("steady producer: \(afterBody - before) enqueued during the bad input, \(tally.acked) in all")
        }
    }
}

/// One producer that enqueues while another connection misbehaves.
private final class SteadyProducer: Sendable {
    struct Tally {
        var acked = 0
        var ids: Set<WireMessageID> = []
        var failures: [String] = []
    }

    private let state = Mutex(Tally())
    private let stopped = Atomic(false)

    var tally: Tally { state.withLock { $0 } }

    func stop() { stopped.store(true, ordering: .relaxed) }

    func run(_ client: HeraldClient) async {
        var number = 0
        while !stopped.load(ordering: .relaxed) {
            number += 1
            do {
                let ack = try await client.enqueue(LocalCluster.envelope(number, key: "steady-\(number)"))
                state.withLock {
                    $0.acked += 1
                    $0.ids.insert(ack.id)
                }
            } catch {
                state.withLock { $0.failures.append("\(error)") }
                try? await Task.sleep(for: .milliseconds(20))
            }
        }
    }

    /// Polls until `count` enqueues have been acknowledged, for at most 20 s.
    func waitForAcks(atLeast count: Int) async -> Bool {
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            if tally.acked >= count { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return tally.acked >= count
    }
}

extension RawFrame {
    /// A `welcome` frame's `maxFrameBytes` (after requestID, version, node, leader).
    var maxFrameBytes: UInt32? {
        guard kind == 0x81, payload.count >= 30 else { return nil }
        return payload[26..<30].reduce(0) { $0 << 8 | UInt32($1) }
    }
}
