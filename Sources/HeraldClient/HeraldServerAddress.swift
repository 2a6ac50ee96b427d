/// Where a node listens for producers (its `clientAddress`).
public struct HeraldServerAddress: Hashable, Sendable, CustomStringConvertible {
    /// A host name or an IP literal (IPv6 without brackets).
    public var host: String
    /// The TCP port.
    public var port: Int

    /// Creates an address.
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
