import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A blocking loopback socket whose reads and accepts give up after 5 s.
struct RawSocket {
    let fd: Int32

    static func listening(port: Int) throws -> RawSocket {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = Self.loopback(port: port)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        guard bound, listen(fd, 8) == 0 else { Glibc.close(fd); throw POSIXError(.EADDRINUSE) }
        return RawSocket(fd: fd).withTimeout()
    }

    static func connecting(port: Int) -> RawSocket? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = Self.loopback(port: port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        guard connected else { Glibc.close(fd); return nil }
        return RawSocket(fd: fd).withTimeout()
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return address
    }

    private func withTimeout() -> RawSocket {
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return self
    }

    /// The next connection, or nil after the timeout. NB: SO_RCVTIMEO bounds accept(2) on Linux.
    func accept() -> RawSocket? {
        let client = Glibc.accept(fd, nil, nil)
        return client < 0 ? nil : RawSocket(fd: client).withTimeout()
    }

    func send(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } == bytes.count
    }

    /// Exactly `count` bytes, or nil when the connection closes (or nothing comes in time).
    func receive(count: Int) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let got = bytes.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + done, count - done, 0) }
            if got <= 0 { return nil }
            done += got
        }
        return bytes
    }

    /// True when the peer closed the connection; false when it is open (nothing came in time).
    func isClosed() -> Bool {
        var byte: UInt8 = 0
        while true {
            let got = recv(fd, &byte, 1, 0)
            if got < 0 && errno == EINTR { continue }
            return got == 0 || (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
        }
    }

    func close() { Glibc.close(fd) }
}
