/// Frame kinds on a producer connection (docs/protocol.md). Requests use `0x01`–`0x7F`,
/// responses `0x80`–`0xFF`; a response's kind is its request's kind with the high bit set,
/// except `error`, which may answer any request.
public enum ProducerFrameKind: UInt8, Sendable, CaseIterable {
    /// First request on a connection: protocol version and client name.
    case hello = 0x01
    /// One envelope to queue.
    case enqueue = 0x10
    /// 1–1000 envelopes, each accepted or refused on its own.
    case enqueueBatch = 0x11
    /// Where a message's recipients stand.
    case messageStatus = 0x12
    /// Cancel a message's recipients that are still queued.
    case cancel = 0x13
    /// Add an address to the suppression list.
    case suppressAdd = 0x14
    /// Remove an address from the suppression list.
    case suppressRemove = 0x15
    /// Look one address up in the suppression list.
    case suppressCheck = 0x16
    /// Page through the suppression list in address order.
    case suppressList = 0x17
    /// The cluster's leader, term and per-node progress.
    case clusterStatus = 0x18

    /// Answers `hello`.
    case welcome = 0x81
    /// Answers `enqueue`.
    case enqueued = 0x90
    /// Answers `enqueueBatch`.
    case batchResult = 0x91
    /// Answers `messageStatus`.
    case messageStatusResult = 0x92
    /// Answers `cancel`.
    case cancelled = 0x93
    /// Answers `suppressAdd`.
    case ok = 0x94
    /// Answers `suppressRemove`.
    case removed = 0x95
    /// Answers `suppressCheck`.
    case suppression = 0x96
    /// Answers `suppressList`.
    case suppressionList = 0x97
    /// Answers `clusterStatus`.
    case clusterStatusResult = 0x98
    /// Answers any request that was refused.
    case error = 0xFF

    /// Whether a client sends this kind (a request) rather than a node (a response).
    public var isRequest: Bool { rawValue < 0x80 }
}
