import NIOCore

/// One system's protocol on one channel: it frames requests and reads answers, and tells
/// its `LoadConnection` what happened. A session lives for one TCP connection; the
/// connection makes a new one for every reconnect.
///
/// Everything runs on the channel's event loop. The session MUST call, in this order:
/// `sessionActive` when the channel becomes active, `sessionReady` once the handshake is
/// done, `complete` for each answer, `readComplete` at the end of each read burst (that is
/// when the connection issues new requests), and `sessionClosed` when the channel closes.
protocol LoadSession: AnyObject, SendableMetatype {
    /// What all sessions of a run share (payload bytes, templates); built once.
    associatedtype Shared: Sendable

    /// Adds the session's handlers to a new channel. Called on the channel's event loop,
    /// inside the bootstrap's channel initializer.
    /// - Parameters:
    ///   - channel: the channel being set up.
    ///   - shared: the run's shared templates.
    ///   - connection: the connection the session reports to.
    /// - Returns: the session, already in the pipeline.
    /// - Throws: when a handler cannot be added.
    static func install(on channel: any Channel, shared: Shared, connection: LoadConnection<Self>) throws -> Self

    /// Appends one request to the pending write batch; nothing is flushed yet.
    /// - Parameters:
    ///   - token: the id the answer must carry back.
    ///   - request: what to send.
    func write(token: RequestToken, request: SessionRequest)

    /// Writes and flushes the pending batch.
    func flush()

    /// Closes the channel.
    func close()
}
