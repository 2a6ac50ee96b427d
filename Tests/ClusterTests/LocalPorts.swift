import Foundation
import Synchronization

/// Loopback helpers for process tests: free ports and a tiny HTTP GET over a raw socket.
enum LocalPorts {
    /// Ports handed out by this process, never handed out twice.
    private static let handedOut = Mutex<Set<Int>>([])

    /// A port on 127.0.0.1 that is free now and stays free of outgoing connections.
    ///
    /// NB: drawn below Linux's ephemeral range (32768–60999). A port the kernel handed out
    /// for `bind(0)` comes from that range, and once released it can be taken as the local
    /// port of any outgoing connection (the nodes dial each other constantly) before the
    /// process meant to listen there binds it: tests then failed with "address already in
    /// use".
    static func free() throws -> Int {
        for _ in 0..<500 {
            let port = Int.random(in: 20_000..<32_000)
            guard handedOut.withLock({ $0.insert(port).inserted }) else { continue }
            if canBind(port) { return port }
        }
        throw POSIXError(.EADDRNOTAVAIL)
    }

    private static func canBind(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        return withLoopbackAddress(port: port) { bind(fd, $0, $1) == 0 }
    }

    /// Calls `body` with 127.0.0.1:port as a `sockaddr` and its length.
    private static func withLoopbackAddress<T>(port: Int, _ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
    }

    /// Connects `fd` to 127.0.0.1:port.
    static func connectLoopback(_ fd: Int32, port: Int) -> Bool {
        withLoopbackAddress(port: port) { connect(fd, $0, $1) == 0 }
    }

    /// Sends `bytes` to 127.0.0.1:port and reads until the peer closes (or 10 s pass).
    static func exchange(port: Int, send bytes: [UInt8]) -> [UInt8]? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard connectLoopback(fd, port: port) else { return nil }
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        var response = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(fd, &chunk, chunk.count, 0)
            if count <= 0 { break }
            response += chunk[0..<count]
        }
        return response
    }

    /// `GET path` on 127.0.0.1:port; nil when nothing answers.
    static func get(port: Int, path: String) -> (status: Int, body: String)? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        guard connectLoopback(fd, port: port) else { return nil }
        let request = "GET \(path) HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
        _ = request.withCString { send(fd, $0, strlen($0), 0) }
        var response = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(fd, &chunk, chunk.count, 0)
            if count <= 0 { break }
            response += chunk[0..<count]
        }
        let text = String(decoding: response, as: UTF8.self)
        guard let statusLine = text.split(separator: "\r\n").first,
              let code = statusLine.split(separator: " ").dropFirst().first.flatMap({ Int($0) }),
              let bodyStart = text.range(of: "\r\n\r\n") else { return nil }
        return (code, String(text[bodyStart.upperBound...]))
    }
}

/// Polls `condition` until it holds or `timeout` passes.
func waitUntil(timeout: Duration = .seconds(30), _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try condition() { return true }
        usleep(20_000)
    }
    return try condition()
}
