import Foundation

/// A plain TCP connection to a node on 127.0.0.1, for tests that send bytes no client
/// library would: garbage, cut frames, lies about lengths. Every read has a deadline, so
/// a node that neither answers nor closes shows up as `.timedOut`, never as a hung test.
///
/// Blocking: use it from `blocking { }`, not on the cooperative pool.
final class RawConnection {
    /// What one read found.
    enum Read: Equatable, Sendable, CustomStringConvertible {
        case frame(RawFrame)
        /// The node closed the connection (FIN or RST) before a whole frame arrived.
        case closed
        /// Neither a frame nor a close before the deadline.
        case timedOut

        var frame: RawFrame? {
            if case .frame(let frame) = self { frame } else { nil }
        }

        var description: String {
            switch self {
            case .frame(let frame): "\(frame)"
            case .closed: "closed"
            case .timedOut: "timed out"
            }
        }
    }

    private let fd: Int32
    private var received: [UInt8] = []

    /// Connects to 127.0.0.1:port.
    /// - Throws: `POSIXError` when the connection is refused.
    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        // Short receive slices: `read(until:)` loops on them up to its own deadline.
        var slice = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &slice, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard connected else { throw POSIXError(.ECONNREFUSED) }  // deinit closes fd
    }

    deinit { close(fd) }

    /// Writes all of `bytes`; false when the node has closed the connection.
    @discardableResult
    func sendAll(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            // MSG_NOSIGNAL: writing to a connection the node closed must fail, not SIGPIPE the runner.
            let sent = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += sent
        }
        return true
    }

    /// Ends the sending side (the node reads end of stream); reading still works.
    func shutdownWrite() {
        shutdown(fd, Int32(SHUT_WR))
    }

    /// The next whole frame, or how the wait ended.
    func read(until deadline: ContinuousClock.Instant) -> Read {
        while true {
            if let frame = takeFrame() { return .frame(frame) }
            if ContinuousClock.now >= deadline { return .timedOut }
            switch receiveSlice() {
            case .data, .nothing: continue
            case .closed: return .closed
            }
        }
    }

    /// Frames until the connection closes or `deadline` passes; `closed` says which.
    func readAll(until deadline: ContinuousClock.Instant) -> (frames: [RawFrame], closed: Bool) {
        var frames: [RawFrame] = []
        while true {
            switch read(until: deadline) {
            case .frame(let frame): frames.append(frame)
            case .closed: return (frames, true)
            case .timedOut: return (frames, false)
            }
        }
    }

    enum Slice { case data, nothing, closed }

    /// One receive of at most ~100 ms.
    func receiveSlice() -> Slice {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let count = recv(fd, &chunk, chunk.count, 0)
        if count > 0 {
            received += chunk[0..<count]
            return .data
        }
        if count == 0 { return .closed }
        switch errno {
        case EAGAIN, EWOULDBLOCK, EINTR: return .nothing
        default: return .closed  // ECONNRESET and friends
        }
    }

    /// Bytes received that do not make a whole frame yet.
    var pendingBytes: Int { received.count }

    private func takeFrame() -> RawFrame? {
        guard received.count >= 4 else { return nil }
        let length = received[0..<4].reduce(0) { $0 << 8 | Int($1) }
        guard length >= 1, received.count >= 4 + length else { return nil }
        let frame = RawFrame(kind: received[4], payload: Array(received[5..<(4 + length)]))
        received.removeFirst(4 + length)
        return frame
    }
}

/// A frame as bytes: `u32 length | u8 kind | payload` (docs/protocol.md).
struct RawFrame: Equatable, Sendable, CustomStringConvertible {
    var kind: UInt8
    var payload: [UInt8]

    /// The frame on the wire.
    var bytes: [UInt8] {
        var out = WireBytes()
        out.u32(UInt32(payload.count + 1))
        out.u8(kind)
        return out.bytes + payload
    }

    /// A producer response's request id (its first 8 payload bytes).
    var requestID: UInt64? { payload.count >= 8 ? Self.integer(payload[0..<8]) : nil }

    /// An `error` frame's code (after the request id).
    var errorCode: UInt16? {
        guard kind == 0xFF, payload.count >= 10 else { return nil }
        return UInt16(Self.integer(payload[8..<10]))
    }

    /// An `error` frame's detail text.
    var errorDetail: String {
        guard kind == 0xFF, payload.count >= 14 else { return "" }
        return String(decoding: payload[14...], as: UTF8.self)
    }

    var description: String {
        if kind == 0xFF { return "error #\(requestID ?? 0) code \(errorCode ?? 0): \(errorDetail)" }
        return "frame 0x\(String(kind, radix: 16)) #\(requestID.map { "\($0)" } ?? "-") (\(payload.count) bytes)"
    }

    private static func integer(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        bytes.reduce(0) { $0 << 8 | UInt64($1) }
    }
}

/// Big-endian field writer for hand-built frames.
struct WireBytes {
    var bytes: [UInt8] = []

    mutating func u8(_ value: UInt8) { bytes.append(value) }
    mutating func u16(_ value: UInt16) { bytes += withUnsafeBytes(of: value.bigEndian, Array.init) }
    mutating func u32(_ value: UInt32) { bytes += withUnsafeBytes(of: value.bigEndian, Array.init) }
    mutating func u64(_ value: UInt64) { bytes += withUnsafeBytes(of: value.bigEndian, Array.init) }
    /// `str`: a u32 byte length, then UTF-8.
    mutating func str(_ value: String) {
        u32(UInt32(value.utf8.count))
        bytes += Array(value.utf8)
    }
}

/// Hand-built producer and peer frames.
enum RawFrames {
    /// Producer `hello` (0x01): requestID, version, client name.
    static func hello(requestID: UInt64, version: UInt16 = 1, client: String = "bad-input-test") -> RawFrame {
        var payload = WireBytes()
        payload.u64(requestID)
        payload.u16(version)
        payload.str(client)
        return RawFrame(kind: 0x01, payload: payload.bytes)
    }

    /// Producer `cluster status` (0x18): just the request id.
    static func clusterStatus(requestID: UInt64) -> RawFrame {
        var payload = WireBytes()
        payload.u64(requestID)
        return RawFrame(kind: 0x18, payload: payload.bytes)
    }

    /// Any kind with a request id and then `body`.
    static func request(kind: UInt8, requestID: UInt64, body: [UInt8] = []) -> RawFrame {
        var payload = WireBytes()
        payload.u64(requestID)
        return RawFrame(kind: kind, payload: payload.bytes + body)
    }

    /// Peer `hello` (kind 1): version, cluster name, from, to.
    static func peerHello(clusterName: String, from: UInt64, to: UInt64) -> RawFrame {
        var payload = WireBytes()
        payload.u16(1)
        payload.str(clusterName)
        payload.u64(from)
        payload.u64(to)
        return RawFrame(kind: 1, payload: payload.bytes)
    }

    /// A length prefix alone, claiming `length` bytes follow.
    static func lengthPrefix(_ length: UInt32) -> [UInt8] {
        var out = WireBytes()
        out.u32(length)
        return out.bytes
    }
}

/// SplitMix64: a small seeded generator, so every garbage byte can be replayed.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func bytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &self) }
    }
}

/// Runs blocking socket work on its own thread, so it never holds a thread of the
/// cooperative pool (two threads on a 2-core machine) that the node's client needs.
func blocking<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread {
            continuation.resume(with: Result { try work() })
        }
    }
}
