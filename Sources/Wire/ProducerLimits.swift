/// The bounds of protocol version 1 (docs/protocol.md). Decoding refuses anything outside
/// them with `WireError.malformed`, and request encoding refuses them too, so a client
/// learns of a bad request before it is sent.
public enum ProducerLimits {
    /// The protocol version this build speaks.
    public static let version: UInt16 = 1
    /// Most recipients in one envelope (and fewest: 1).
    public static let maxRecipients = 1000
    /// Most envelopes in one `enqueueBatch` (and fewest: 1).
    public static let maxBatchEnvelopes = 1000
    /// Largest `limit` of one `suppressList` (and smallest: 1); also the most entries in
    /// one `suppressionList` response.
    public static let maxListLimit = 1000
    /// Highest priority; 0 is the lowest.
    public static let maxPriority: UInt8 = 9
    /// The normal priority.
    public static let normalPriority: UInt8 = 5
    /// Longest client name in `hello`, in UTF-8 bytes.
    public static let maxClientNameBytes = 256
    /// Longest idempotency key, in UTF-8 bytes.
    public static let maxIdempotencyKeyBytes = 256
    /// Longest address (a sender, a recipient, a suppressed address), in UTF-8 bytes;
    /// RFC 5321 §4.5.3.1.3 limits a path to 256 octets.
    public static let maxAddressBytes = 256
    /// Longest suppression `source`, in UTF-8 bytes.
    public static let maxSourceBytes = 256
    /// Longest `detail` (errors, recipient states), in UTF-8 bytes; longer ones are cut
    /// when encoded.
    public static let maxDetailBytes = 4096
    /// Longest node `role` in a cluster status, in UTF-8 bytes.
    public static let maxRoleBytes = 64
    /// Most nodes in a cluster status.
    public static let maxStatusNodes = 1000
    /// The default largest frame body a node accepts (advertised in `welcome`).
    public static let defaultMaxFrameBytes = 32 << 20
    /// The default most requests in flight per connection (advertised in `welcome`).
    public static let defaultMaxInFlight = 1024
}
