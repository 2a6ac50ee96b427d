#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import NIOPosix

/// TCP keepalive for connections between nodes: after `idleSeconds` without traffic the
/// kernel probes every `intervalSeconds`, and after `probes` unanswered probes the
/// connection fails. Between two followers a connection carries nothing in steady state,
/// so one that a firewall or NAT dropped silently would otherwise look connected for
/// the kernel's default of about two hours (or 15 minutes once something is sent), and
/// a new leader's appends would vanish into it.
enum PeerKeepalive {
    static let idleSeconds = 10
    static let intervalSeconds = 5
    static let probes = 3

    /// The options, for a client bootstrap or a server's child channels.
    static var options: [(ChannelOptions.Types.SocketOption, SocketOptionValue)] {
        [
            (.socketOption(.so_keepalive), 1),
            (ChannelOptions.Types.SocketOption(level: SocketOptionLevel(IPPROTO_TCP), name: SocketOptionName(TCP_KEEPIDLE)), idleSeconds),
            (ChannelOptions.Types.SocketOption(level: SocketOptionLevel(IPPROTO_TCP), name: SocketOptionName(TCP_KEEPINTVL)), intervalSeconds),
            (ChannelOptions.Types.SocketOption(level: SocketOptionLevel(IPPROTO_TCP), name: SocketOptionName(TCP_KEEPCNT)), probes),
        ]
    }
}

extension ServerBootstrap {
    /// Turns on `PeerKeepalive` for every accepted connection.
    func peerKeepalive() -> ServerBootstrap {
        PeerKeepalive.options.reduce(self) { $0.childChannelOption($1.0, value: $1.1) }
    }
}

extension ClientBootstrap {
    /// Turns on `PeerKeepalive` for the connection.
    func peerKeepalive() -> ClientBootstrap {
        PeerKeepalive.options.reduce(self) { $0.channelOption($1.0, value: $1.1) }
    }
}
