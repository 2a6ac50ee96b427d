import Foundation
import NIOCore
import RaftCore
import Synchronization
import Wire

/// A TCP proxy in front of every node's peer listener, so a test can cut the network
/// between groups of nodes.
///
/// Node `i`'s configured `peerAddress` is the proxy port `P_i`; the node itself listens
/// on `R_i` (`heraldd --peer-listen`). For each connection on `P_i` the proxy reads the
/// first frame (the `PeerHello`) to learn the dialling node, then pipes bytes both ways
/// to `R_i` — unless that pair is cut, in which case it closes the connection. Cutting a
/// pair also closes its live connections.
///
/// Plain blocking sockets with one thread per direction: every blocking call is either
/// bounded by a timeout (the hello read) or woken by `shutdown(2)` (cut, `stop()`), so
/// nothing here can hang a test.
final class PeerProxy: Sendable {
    /// One piped connection: the dialler's socket and the socket to the node.
    private final class Pipe: Sendable {
        let from: UInt64
        let to: UInt64
        let client: Int32
        let upstream: Int32
        /// How many of the two pump threads are still running; the last one closes the fds.
        let running = Mutex(2)

        init(from: UInt64, to: UInt64, client: Int32, upstream: Int32) {
            self.from = from
            self.to = to
            self.client = client
            self.upstream = upstream
        }
    }

    private struct State {
        /// Ordered pairs (from, to) whose traffic is dropped.
        var cut: Set<[UInt64]> = []
        /// Live pipes, keyed by identity. NB: fds are closed only after a pipe leaves this
        /// table (under the lock), so `shutdown` here never hits a reused descriptor.
        var pipes: [ObjectIdentifier: Pipe] = [:]
        var listeners: [Int32] = []
        var stopped = false
        /// Connections refused because their pair was cut (for assertions and logs).
        var refusedCount = 0
    }

    private let state = Mutex(State())
    /// Proxy port (what other nodes dial) and real port (where the node listens), by node.
    let routes: [UInt64: (proxyPort: Int, realPort: Int)]

    /// Binds a listening socket per route and starts accepting.
    /// - Parameter routes: node id → (proxy port to listen on, node's real peer port).
    /// - Throws: `POSIXError` when a port cannot be bound.
    init(routes: [UInt64: (proxyPort: Int, realPort: Int)]) throws {
        self.routes = routes
        var listeners: [(UInt64, Int32)] = []
        for (node, route) in routes {
            let fd = try Self.bindListener(port: route.proxyPort)
            listeners.append((node, fd))
        }
        state.withLock { $0.listeners = listeners.map(\.1) }
        for (node, fd) in listeners {
            let realPort = routes[node]!.realPort
            Thread.detachNewThread { [self] in acceptLoop(listener: fd, node: node, realPort: realPort) }
        }
    }

    deinit { stop() }

    /// Cuts every pair (a, b) and (b, a) with a in `left` and b in `right`, closing
    /// their live connections.
    func cut(between left: Set<UInt64>, and right: Set<UInt64>) {
        state.withLock { state in
            for a in left {
                for b in right where a != b {
                    state.cut.insert([a, b])
                    state.cut.insert([b, a])
                }
            }
            for pipe in state.pipes.values where state.cut.contains([pipe.from, pipe.to]) {
                shutdown(pipe.client, Int32(SHUT_RDWR))
                shutdown(pipe.upstream, Int32(SHUT_RDWR))
            }
        }
    }

    /// Lets every pair talk again.
    func heal() {
        state.withLock { $0.cut.removeAll() }
    }

    /// Whether `from` → `to` is cut now.
    func isCut(from: UInt64, to: UInt64) -> Bool { state.withLock { $0.cut.contains([from, to]) } }

    /// How many connections were closed at the hello because their pair was cut.
    var refusedCount: Int { state.withLock { $0.refusedCount } }

    /// Live piped connections (from, to), for diagnostics.
    var livePairs: [(UInt64, UInt64)] { state.withLock { $0.pipes.values.map { ($0.from, $0.to) } } }

    /// Stops accepting and closes every connection. Idempotent.
    func stop() {
        state.withLock { state in
            guard !state.stopped else { return }
            state.stopped = true
            // NB: on Linux, shutdown on a listening socket wakes a blocked accept(2).
            for fd in state.listeners { shutdown(fd, Int32(SHUT_RDWR)) }
            for pipe in state.pipes.values {
                shutdown(pipe.client, Int32(SHUT_RDWR))
                shutdown(pipe.upstream, Int32(SHUT_RDWR))
            }
        }
    }

    // MARK: - Threads

    private func acceptLoop(listener: Int32, node: UInt64, realPort: Int) {
        defer { close(listener) }
        while !state.withLock({ $0.stopped }) {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                return
            }
            Thread.detachNewThread { [self] in handshake(client: client, node: node, realPort: realPort) }
        }
    }

    /// Reads the hello (within 5 s), then pipes or refuses.
    private func handshake(client: Int32, node: UInt64, realPort: Int) {
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard let header = Self.readExactly(client, 4) else { close(client); return }
        let length = header.reduce(0) { $0 << 8 | Int($1) }
        guard length >= 1, length <= 4096, let body = Self.readExactly(client, length),
              body[0] == PeerFrameKind.hello.rawValue else {
            close(client)
            return
        }
        var payload = ByteBuffer(bytes: body.dropFirst())
        guard let hello = try? PeerHello.decode(from: &payload) else { close(client); return }
        let from = hello.from.rawValue
        // The hello timeout no longer applies: piped connections idle as long as they like.
        var forever = timeval(tv_sec: 0, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &forever, socklen_t(MemoryLayout<timeval>.size))

        if state.withLock({ state in
            let refused = state.stopped || state.cut.contains([from, node])
            if refused { state.refusedCount += 1 }
            return refused
        }) {
            close(client)
            return
        }
        guard let upstream = Self.dial(port: realPort) else { close(client); return }
        guard Self.writeAll(upstream, header + body) else { close(client); close(upstream); return }
        let pipe = Pipe(from: from, to: node, client: client, upstream: upstream)
        // Register, re-checking the cut: a cut between the check above and here must still close it.
        let admitted = state.withLock { state -> Bool in
            guard !state.stopped, !state.cut.contains([from, node]) else { return false }
            state.pipes[ObjectIdentifier(pipe)] = pipe
            return true
        }
        guard admitted else { close(client); close(upstream); return }
        Thread.detachNewThread { [self] in pump(pipe, from: upstream, to: client) }
        pump(pipe, from: client, to: upstream)
    }

    private func pump(_ pipe: Pipe, from source: Int32, to destination: Int32) {
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = recv(source, &buffer, buffer.count, 0)
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            guard Self.writeAll(destination, buffer[0..<count]) else { break }
        }
        // Either direction ending ends the connection (as a cut would).
        shutdown(pipe.client, Int32(SHUT_RDWR))
        shutdown(pipe.upstream, Int32(SHUT_RDWR))
        let last = pipe.running.withLock { running -> Bool in
            running -= 1
            return running == 0
        }
        if last {
            state.withLock { _ = $0.pipes.removeValue(forKey: ObjectIdentifier(pipe)) }
            close(pipe.client)
            close(pipe.upstream)
        }
    }

    // MARK: - Sockets

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return address
    }

    private static func bindListener(port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = loopback(port: port)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard bound, listen(fd, 64) == 0 else {
            close(fd)
            throw POSIXError(.EADDRINUSE)
        }
        return fd
    }

    /// A connection to 127.0.0.1:port, or nil (refused at once on loopback when the node is down).
    private static func dial(port: Int) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var address = loopback(port: port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard connected else { close(fd); return nil }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        return fd
    }

    private static func readExactly(_ fd: Int32, _ count: Int) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let got = bytes.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + done, count - done, 0) }
            if got < 0 && errno == EINTR { continue }
            if got <= 0 { return nil }
            done += got
        }
        return bytes
    }

    /// Writes everything; false when the socket is closed. NB: MSG_NOSIGNAL, or a closed
    /// peer would SIGPIPE the whole test process.
    private static func writeAll<Bytes: Collection<UInt8>>(_ fd: Int32, _ bytes: Bytes) -> Bool {
        let array = Array(bytes)
        var done = 0
        while done < array.count {
            let sent = array.withUnsafeBytes { send(fd, $0.baseAddress! + done, array.count - done, Int32(MSG_NOSIGNAL)) }
            if sent < 0 && errno == EINTR { continue }
            if sent <= 0 { return false }
            done += sent
        }
        return true
    }
}
