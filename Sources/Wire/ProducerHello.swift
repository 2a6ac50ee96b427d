/// The first request on a producer connection.
public struct ProducerHello: Equatable, Sendable {
    /// The protocol version the client speaks; 1.
    public var version: UInt16
    /// A name for the node's logs, at most 256 bytes.
    public var clientName: String

    /// Creates a hello.
    public init(version: UInt16 = ProducerLimits.version, clientName: String) {
        self.version = version
        self.clientName = clientName
    }
}
