import Foundation

/// Speaks just enough of the peer protocol to knock on a node's peer port.
enum PeerProbe {
    /// Sends a hello and returns the node's first answer frame (kind and payload text).
    static func hello(port: Int, clusterName: String, from: UInt64, to: UInt64) -> (kind: UInt8, text: String)? {
        var payload: [UInt8] = []
        payload += withUnsafeBytes(of: UInt16(1).bigEndian, Array.init)
        payload += withUnsafeBytes(of: UInt32(clusterName.utf8.count).bigEndian, Array.init)
        payload += Array(clusterName.utf8)
        payload += withUnsafeBytes(of: from.bigEndian, Array.init)
        payload += withUnsafeBytes(of: to.bigEndian, Array.init)
        var frame = withUnsafeBytes(of: UInt32(payload.count + 1).bigEndian, Array.init)
        frame.append(1)
        frame += payload
        guard let reply = LocalPorts.exchange(port: port, send: frame), reply.count >= 5 else { return nil }
        return (reply[4], String(decoding: reply[5...], as: UTF8.self))
    }
}
