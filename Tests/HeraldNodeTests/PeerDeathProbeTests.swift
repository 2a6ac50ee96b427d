#if canImport(Glibc)
import Glibc
#endif
import HeraldConfig
@testable import HeraldNode
import Testing

/// The probe that lets followers elect a new leader as soon as the old leader's process
/// is gone, against real listening sockets on loopback.
@Suite struct PeerDeathProbeTests {
    @Test func aPortThatKeepsAcceptingBelongsToALivePeer() async throws {
        let listener = try LoopbackListener()
        defer { listener.close() }
        #expect(await PeerDeathProbe.refusesConnections(at: listener.endpoint) == false)
    }

    @Test func aPortNobodyListensOnMeansThePeerIsGone() async throws {
        let listener = try LoopbackListener()
        let endpoint = listener.endpoint
        listener.close()
        #expect(await PeerDeathProbe.refusesConnections(at: endpoint))
    }

    /// A killed process closes its descriptors one after another: the listening socket
    /// may still accept for a moment after the connection that woke the follower closed.
    @Test func aListenerThatClosesShortlyAfterTheFirstTryStillCountsAsGone() async throws {
        let listener = try LoopbackListener()
        let endpoint = listener.endpoint
        let closer = Task {
            try await Task.sleep(for: .milliseconds(30))
            listener.close()
        }
        #expect(await PeerDeathProbe.refusesConnections(at: endpoint))
        try await closer.value
    }
}

/// A TCP socket listening on an ephemeral loopback port; connections wait in its
/// backlog (nobody accepts them), as with a process that is being torn down.
private final class LoopbackListener: Sendable {
    private let descriptor: Int32
    let endpoint: Endpoint

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(fd, socketAddress, length) == 0 && listen(fd, 64) == 0
                    && getsockname(fd, socketAddress, &length) == 0
            }
        }
        guard fd >= 0, bound else {
            if fd >= 0 { _ = Glibc.close(fd) }
            throw ListenerError()
        }
        descriptor = fd
        endpoint = Endpoint(host: "127.0.0.1", port: Int(UInt16(bigEndian: address.sin_port)))
    }

    func close() { _ = Glibc.close(descriptor) }

    struct ListenerError: Error {}
}
