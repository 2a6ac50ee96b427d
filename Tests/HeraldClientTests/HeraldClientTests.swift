import HeraldClient
import NIOCore
import RaftCore
import Synchronization
import Testing
import Wire

@Suite("HeraldClient against a canned server")
struct HeraldClientTests {
    static let fast = HeraldClientConfiguration(clientName: "tests", requestTimeout: .seconds(10),
                                                connectTimeout: .seconds(2), initialReconnectDelay: .milliseconds(20),
                                                maxReconnectDelay: .milliseconds(100))

    static func address(_ port: Int) -> HeraldServerAddress { HeraldServerAddress(host: "127.0.0.1", port: port) }

    static func messageID(_ n: UInt64) -> WireMessageID { WireMessageID(high: 0xABCD, low: n) }

    static let envelope = EnvelopeFields(mailFrom: "a@example.com", recipients: ["b@example.org"],
                                         message: Array("Subject: x\r\n\r\nhi\r\n".utf8), idempotencyKey: "k1")

    @Test("pipelined requests are matched to out-of-order responses")
    func pipeliningOutOfOrder() async throws {
        let requestCount = 20
        try await CannedProducerServer.run(script: { connection in
            try await connection.acceptHello()
            // Read every request before answering any: the client must not wait for answers.
            var received: [(ProducerRequestID, WireMessageID)] = []
            while received.count < requestCount, let (requestID, request) = try await connection.next() {
                guard case .messageStatus(let id) = request else { throw WireError.malformed("unexpected request") }
                received.append((requestID, id))
            }
            for (requestID, id) in received.reversed() {
                try await connection.reply(requestID, .messageStatus(MessageStatusReport(
                    id: id, enqueuedAtMilliseconds: id.low, recipients: [.init(address: "b@example.org", state: .queued)])))
            }
            while try await connection.next() != nil {}
        }) { port in
            try await HeraldClient.withClient(addresses: [Self.address(port)], configuration: Self.fast) { client in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for n in 0..<UInt64(requestCount) {
                        group.addTask {
                            let report = try await client.messageStatus(Self.messageID(n))
                            #expect(report.id == Self.messageID(n))
                            #expect(report.enqueuedAtMilliseconds == n)
                        }
                    }
                    try await group.waitForAll()
                }
            }
        }
    }

    @Test("the client keeps at most the node's maxInFlight requests in flight")
    func maxInFlight() async throws {
        let most = Mutex(0)
        try await CannedProducerServer.run(script: { connection in
            try await connection.acceptHello(maxInFlight: 2)
            let outstanding = Counter()
            try await withThrowingTaskGroup(of: Void.self) { answers in
                while let (requestID, _) = try await connection.next() {
                    let now = outstanding.value.withLock { count in
                        count += 1
                        return count
                    }
                    most.withLock { $0 = max($0, now) }
                    let outbound = connection.outbound
                    answers.addTask {
                        // Simulated work, so requests pile up when the client does not hold them back.
                        try await Task.sleep(for: .milliseconds(10))
                        outstanding.value.withLock { $0 -= 1 }
                        try await outbound.write(ProducerResponse.cancelled(recipients: 1).frame(requestID: requestID))
                    }
                }
            }
        }) { port in
            try await HeraldClient.withClient(addresses: [Self.address(port)], configuration: Self.fast) { client in
                try await withThrowingTaskGroup(of: Int.self) { group in
                    for n in 0..<12 { group.addTask { try await client.cancel(Self.messageID(UInt64(n))) } }
                    for try await cancelled in group { #expect(cancelled == 1) }
                }
            }
        }
        #expect(most.withLock { $0 } == 2)
    }

    @Test("every response kind reaches the matching method")
    func typedMethods() async throws {
        let ack = EnqueueAck(id: Self.messageID(1), term: Term(2), index: LogIndex(3), duplicate: true, suppressed: ["c@x.org"])
        let entry = SuppressionEntry(address: "s@x.org", reason: .complaint, source: "fbl", sinceMilliseconds: 5)
        let status = ClusterStatusReport(leader: NodeID(2), term: Term(9), nodes: [
            .init(node: NodeID(2), role: "leader", reachable: true, commitIndex: LogIndex(4), appliedIndex: LogIndex(4), digest: 7),
        ])
        try await CannedProducerServer.run(script: { connection in
            try await connection.acceptHello()
            while let (requestID, request) = try await connection.next() {
                let response: ProducerResponse = switch request {
                case .enqueue: .enqueued(ack)
                case .enqueueBatch(let envelopes):
                    .batchResult(envelopes.indices.map { $0 == 0 ? .success(ack) : .failure(ProducerError(code: .invalidAddress, detail: "bad")) })
                case .cancel: .cancelled(recipients: 2)
                case .suppressAdd(let address, let reason, let source):
                    address == "s@x.org" && reason == .manual && source == "ops" ? .ok : .error(.internal, detail: "wrong fields")
                case .suppressRemove: .removed(found: true)
                case .suppressCheck(let address): .suppression(address == entry.address ? entry : nil)
                case .suppressList(let after, let limit): after == "" && limit == 2 ? .suppressionList([entry]) : .suppressionList([])
                case .clusterStatus: .clusterStatus(status)
                case .messageStatus, .hello: .error(.notFound, detail: "no such message")
                }
                try await connection.reply(requestID, response)
            }
        }) { port in
            try await HeraldClient.withClient(addresses: [Self.address(port)], configuration: Self.fast) { client in
                #expect(try await client.enqueue(Self.envelope) == ack)
                let results = try await client.enqueueBatch([Self.envelope, Self.envelope])
                #expect(results == [.success(ack), .failure(ProducerError(code: .invalidAddress, detail: "bad"))])
                #expect(try await client.cancel(Self.messageID(1)) == 2)
                try await client.suppressAdd("s@x.org", reason: .manual, source: "ops")
                #expect(try await client.suppressRemove("s@x.org"))
                #expect(try await client.suppressCheck("s@x.org") == entry)
                #expect(try await client.suppressCheck("other@x.org") == nil)
                #expect(try await client.suppressList(limit: 2) == [entry])
                #expect(try await client.clusterStatus() == status)
                #expect(client.currentWelcome?.node == NodeID(1))
            }
        }
    }

    @Test("a node's error response is thrown as refused with its code and detail")
    func errorMapping() async throws {
        try await CannedProducerServer.run(script: { connection in
            try await connection.acceptHello()
            while let (requestID, request) = try await connection.next() {
                switch request {
                case .enqueue: try await connection.reply(requestID, .error(.unavailable, detail: "no leader: election under way"))
                default: try await connection.reply(requestID, .error(.notFound, detail: "no message 00"))
                }
            }
        }) { port in
            try await HeraldClient.withClient(addresses: [Self.address(port)], configuration: Self.fast) { client in
                let unavailable = await #expect(throws: HeraldClientError.self) { try await client.enqueue(Self.envelope) }
                #expect(unavailable?.code == .refused)
                #expect(unavailable?.producerError == ProducerError(code: .unavailable, detail: "no leader: election under way"))
                #expect(unavailable?.isRetryable == true)
                let notFound = await #expect(throws: HeraldClientError.self) { try await client.messageStatus(Self.messageID(0)) }
                #expect(notFound?.producerError?.code == .notFound)
                #expect(notFound?.isRetryable == false)
                #expect(notFound?.description == "notFound: no message 00")
            }
        }
    }

    @Test("a request that breaks the protocol's limits fails before it is sent")
    func invalidRequest() async throws {
        let tooMany = EnvelopeFields(mailFrom: "", recipients: (0...1000).map { "r\($0)@x.org" }, message: [])
        let client = HeraldClient(addresses: [Self.address(1)], configuration: Self.fast)
        let error = await #expect(throws: HeraldClientError.self) { try await client.enqueue(tooMany) }
        #expect(error?.code == .invalidRequest)
    }

    @Test("the client fails over to the second address when the first refuses connections")
    func failover() async throws {
        let refusing = try await CannedProducerServer.refusingPort()
        try await CannedProducerServer.run(script: { connection in
            try await connection.acceptHello(node: 2)
            while let (requestID, _) = try await connection.next() {
                try await connection.reply(requestID, .clusterStatus(ClusterStatusReport(leader: NodeID(2), term: Term(1), nodes: [])))
            }
        }) { port in
            try await HeraldClient.withClient(addresses: [Self.address(refusing), Self.address(port)],
                                              configuration: Self.fast) { client in
                let status = try await client.clusterStatus()
                #expect(status.leader == NodeID(2))
                #expect(client.currentAddress == Self.address(port))
                #expect(client.currentWelcome?.node == NodeID(2))
            }
        }
    }

    /// A canned node that welcomes as `node` naming `leader`, then answers every request
    /// with a cluster status naming itself in `term` (so a test sees who answered).
    static func statusNode(_ node: UInt64, leader: UInt64) -> @Sendable (inout CannedProducerServer.Connection) async throws -> Void {
        { connection in
            try await connection.acceptHello(node: node, leader: leader)
            while let (requestID, _) = try await connection.next() {
                try await connection.reply(requestID, .clusterStatus(ClusterStatusReport(leader: NodeID(leader), term: Term(node), nodes: [])))
            }
        }
    }

    @Test("with followLeader the client passes over a follower to reach the leader; without, it stays")
    func followsLeader() async throws {
        try await CannedProducerServer.run(script: Self.statusNode(1, leader: 2)) { followerPort in
            try await CannedProducerServer.run(script: Self.statusNode(2, leader: 2)) { leaderPort in
                let addresses = [Self.address(followerPort), Self.address(leaderPort)]
                try await HeraldClient.withClient(addresses: addresses, configuration: Self.fast) { client in
                    let answered = try await client.clusterStatus()
                    #expect(answered.term == Term(2))
                    #expect(client.currentAddress == Self.address(leaderPort))
                    #expect(client.currentWelcome?.node == NodeID(2))
                }
                var stay = Self.fast
                stay.followLeader = false
                try await HeraldClient.withClient(addresses: addresses, configuration: stay) { client in
                    let answered = try await client.clusterStatus()
                    #expect(answered.term == Term(1))
                    #expect(client.currentWelcome?.node == NodeID(1))
                }
            }
        }
    }

    @Test("when no reachable address leads, the client settles on a follower")
    func settlesOnFollower() async throws {
        let refusing = try await CannedProducerServer.refusingPort()
        try await CannedProducerServer.run(script: Self.statusNode(1, leader: 3)) { first in
            try await CannedProducerServer.run(script: Self.statusNode(2, leader: 3)) { second in
                // The leader (node 3) is down: after a round, the first follower is kept.
                let addresses = [Self.address(first), Self.address(second), Self.address(refusing)]
                try await HeraldClient.withClient(addresses: addresses, configuration: Self.fast) { client in
                    let answered = try await client.clusterStatus()
                    #expect(answered.term == Term(1))
                    #expect(client.currentAddress == Self.address(first))
                }
            }
        }
    }

    @Test("when every address refuses, requests fail as unreachable")
    func unreachable() async throws {
        let first = try await CannedProducerServer.refusingPort()
        let second = try await CannedProducerServer.refusingPort()
        try await HeraldClient.withClient(addresses: [Self.address(first), Self.address(second)],
                                          configuration: Self.fast) { client in
            let error = await #expect(throws: HeraldClientError.self) { try await client.clusterStatus() }
            #expect(error?.code == .unreachable)
            #expect(error?.isRetryable == true)
        }
    }

    @Test("in-flight requests fail with connectionLost when the connection drops, and the client reconnects")
    func connectionLoss() async throws {
        let connections = Mutex(0)
        try await CannedProducerServer.run(script: { connection in
            let number = connections.withLock { count in
                count += 1
                return count
            }
            try await connection.acceptHello()
            if number == 1 {
                // Take three requests in, answer none, and drop the connection.
                for _ in 0..<3 { _ = try await connection.next() }
                return
            }
            while let (requestID, _) = try await connection.next() {
                try await connection.reply(requestID, .cancelled(recipients: 1))
            }
        }) { port in
            try await HeraldClient.withClient(addresses: [Self.address(port)], configuration: Self.fast) { client in
                try await withThrowingTaskGroup(of: HeraldClientError?.self) { group in
                    for n in 0..<3 {
                        group.addTask {
                            do {
                                _ = try await client.cancel(Self.messageID(UInt64(n)))
                                return nil
                            } catch {
                                return error as? HeraldClientError
                            }
                        }
                    }
                    for try await error in group {
                        #expect(error?.code == .connectionLost)
                        #expect(error?.isRetryable == true)
                    }
                }
                #expect(try await client.cancel(Self.messageID(9)) == 1)
                #expect(connections.withLock { $0 } == 2)
            }
        }
    }

    @Test("undecodable bytes from the node end the connection; requests in flight fail as connectionLost")
    func undecodableResponse() async throws {
        try await CannedProducerServer.run(script: { connection in
            try await connection.acceptHello()
            guard let (requestID, _) = try await connection.next() else { return }
            var payload = ByteBuffer()
            payload.writeInteger(requestID.rawValue)
            try await connection.outbound.write(Frame(kind: 0x42, payload: payload))
            while try await connection.next() != nil {}
        }) { port in
            try await HeraldClient.withClient(addresses: [Self.address(port)], configuration: Self.fast) { client in
                let error = await #expect(throws: HeraldClientError.self) { try await client.clusterStatus() }
                #expect(error?.code == .connectionLost)
                #expect(error?.detail.contains("unknown frame kind 66") == true)
            }
        }
    }

    @Test("a request without an answer times out; a late answer is dropped")
    func timeout() async throws {
        try await CannedProducerServer.run(script: { connection in
            try await connection.acceptHello()
            guard let (warmUp, _) = try await connection.next() else { return }
            try await connection.reply(warmUp, .removed(found: true))
            guard let (held, _) = try await connection.next() else { return }
            guard let (next, _) = try await connection.next() else { return }
            try await connection.reply(next, .removed(found: false))
            try await connection.reply(held, .removed(found: true))
            while try await connection.next() != nil {}
        }) { port in
            try await HeraldClient.withClient(addresses: [Self.address(port)], configuration: Self.fast) { client in
                let connected = try await client.suppressRemove("warm-up@x.org")
                #expect(connected)
                let error = await #expect(throws: HeraldClientError.self) {
                    try await client.send(.suppressRemove(address: "a@x.org"), timeout: .milliseconds(200))
                }
                #expect(error?.code == .timeout)
                let found = try await client.suppressRemove("b@x.org")
                #expect(found == false)
            }
        }
    }

    @Test("a refused hello is reported and the next address is tried")
    func refusedHello() async throws {
        try await CannedProducerServer.run(script: { connection in
            guard let (requestID, _) = try await connection.next() else { return }
            try await connection.reply(requestID, .error(.unsupportedVersion, detail: "version 1 only"))
        }) { port in
            try await HeraldClient.withClient(addresses: [Self.address(port)], configuration: Self.fast) { client in
                let error = await #expect(throws: HeraldClientError.self) { try await client.clusterStatus() }
                #expect(error?.code == .unreachable)
                #expect(error?.detail.contains("unsupportedVersion: version 1 only") == true)
            }
        }
    }

    @Test("requests after the client stopped fail with closed")
    func closed() async throws {
        let client = try await HeraldClient.withClient(addresses: [Self.address(1)], configuration: Self.fast) { $0 }
        let error = await #expect(throws: HeraldClientError.self) { try await client.clusterStatus() }
        #expect(error?.code == .closed)
    }
}

/// A counter shared between tasks.
final class Counter: Sendable {
    let value = Mutex(0)
}
