import Foundation
import Testing

/// Connections between nodes carry TCP keepalive, so one a firewall or NAT dropped
/// silently fails within seconds instead of looking connected for hours.
@Suite("peer connection keepalive", .serialized)
struct PeerKeepaliveTests {
    @Test("every established connection between the nodes has a keepalive timer")
    func peerConnectionsKeepAlive() throws {
        let cluster = try LocalCluster(size: 3, name: "keepalive")
        try cluster.startAll()
        try #require(cluster.waitForAgreedLeader() != nil, "no leader\n\(cluster.logTails())")
        let peerPorts = Set(cluster.nodes.map(\.peerPort))
        // Each node dials the two others: six connections, each seen from both ends.
        var connections: [TCPConnection] = []
        #expect(waitUntil(timeout: .seconds(30)) {
            connections = (try? TCPConnection.established()) ?? []
            connections = connections.filter { peerPorts.contains($0.localPort) || peerPorts.contains($0.remotePort) }
            return connections.count >= 12
        }, "peer connections: \(connections)")
        // /proc/net/tcp's `tr`: 0 no timer, 1 retransmit, 2 keepalive, 4 zero-window probe.
        let withoutTimer = connections.filter { $0.timer == 0 }
        #expect(withoutTimer.isEmpty, "connections without a keepalive timer: \(withoutTimer)")
        #expect(connections.contains { $0.timer == 2 })
    }
}

/// One line of /proc/net/tcp.
private struct TCPConnection: CustomStringConvertible {
    var localPort: Int
    var remotePort: Int
    var timer: Int

    var description: String { "\(localPort)->\(remotePort) tr=\(timer)" }

    /// The established IPv4 connections of this machine.
    static func established() throws -> [TCPConnection] {
        // NB: read to the end: /proc files have no size, and String(contentsOfFile:)
        // stopped after the first page.
        guard let file = FileHandle(forReadingAtPath: "/proc/net/tcp") else { throw CocoaError(.fileReadNoSuchFile) }
        defer { try? file.close() }
        let text = String(decoding: file.readDataToEndOfFile(), as: UTF8.self)
        return text.split(separator: "\n").dropFirst().compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count > 5, fields[3] == "01",
                  let local = fields[1].split(separator: ":").last.flatMap({ Int($0, radix: 16) }),
                  let remote = fields[2].split(separator: ":").last.flatMap({ Int($0, radix: 16) }),
                  let timer = fields[5].split(separator: ":").first.flatMap({ Int($0, radix: 16) }) else { return nil }
            return TCPConnection(localPort: local, remotePort: remote, timer: timer)
        }
    }
}
