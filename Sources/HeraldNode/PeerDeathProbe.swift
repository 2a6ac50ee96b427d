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
enum PeerDeathProbe {
    /// Whether connecting to `address` is refused within `timeout`.
    static func refusesConnections(at address: Endpoint, timeout: TimeAmount = .milliseconds(500)) async -> Bool {
        do {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(timeout)
                .connect(host: address.host, port: address.port).get()
            try? await channel.close()
            return false
        } catch {
            return isRefusal(error)
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
