import NIOCore
import NIOPosix
import HeraldConfig

#if canImport(Glibc)
import Glibc
#endif

/// Tells a dead peer process from a slow or unreachable one: after its connection
/// closed, a new connection to its peer port is refused at once (`ECONNREFUSED`) only
/// when nothing listens there, i.e. its process is gone. A timeout or any other error
/// proves nothing (a partition, a dead host) and is left to Raft's election timeout.
///
/// NB: a killed process's sockets do not all close at the same instant: the kernel
/// frees its memory first, then closes descriptors in order, so the connection that
/// woke us may close while the listening socket still accepts (into its backlog) for
/// a few milliseconds. One accepted connection therefore proves little; the probe asks
/// again a few times over `settle` before it concludes the peer lives.
enum PeerDeathProbe {
    /// Whether connecting to `address` is refused, trying again at growing intervals
    /// while connections are still accepted, up to about `settle` after the first try.
    static func refusesConnections(at address: Endpoint, timeout: TimeAmount = .milliseconds(500),
                                   settle: Duration = .milliseconds(300)) async -> Bool {
        var pause = Duration.milliseconds(10)
        var waited = Duration.zero
        while true {
            switch await attempt(address, timeout: timeout) {
            case .refused: return true
            case .inconclusive: return false
            case .accepted:
                guard waited < settle else { return false }
                try? await Task.sleep(for: pause)
                waited += pause
                pause *= 2
            }
        }
    }

    private enum Attempt { case refused, accepted, inconclusive }

    private static func attempt(_ address: Endpoint, timeout: TimeAmount) async -> Attempt {
        do {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(timeout)
                .connect(host: address.host, port: address.port).get()
            try? await channel.close()
            return .accepted
        } catch {
            return isRefusal(error) ? .refused : .inconclusive
        }
    }

    private static func isRefusal(_ error: any Error) -> Bool {
        if let connection = error as? NIOConnectionError {
            return !connection.connectionErrors.isEmpty && connection.connectionErrors.allSatisfy { isRefusal($0.error) }
        }
        if let io = error as? IOError { return io.errnoCode == ECONNREFUSED }
        return false
    }
}
