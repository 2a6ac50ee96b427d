import NIOCore

/// One thing a NATS server sent (the core text protocol), as far as the generator cares.
enum NATSEvent: Sendable {
    /// `INFO {...}`: server details; ignored.
    case info
    /// `PING`: MUST be answered with `PONG`.
    case ping
    /// `PONG`: answers our `PING`; the first one ends the handshake.
    case pong
    /// `+OK` (only in verbose mode).
    case ok
    /// `-ERR 'text'`.
    case error(String)
    /// `MSG subject sid [reply] size` and its payload. `token` is the subject's last
    /// `.`-separated part read as a decimal (our inbox replies end in the request token),
    /// or `nil` when it is not a number.
    case message(token: UInt64?, payload: ByteBuffer)
}
