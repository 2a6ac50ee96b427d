/// One committed queue command as the log holds it.
public struct CommittedCommand: Hashable, Sendable {
    /// The entry's log index.
    public var index: AppliedIndex
    /// The entry's payload: an encoded `QueueCommand`.
    public var bytes: [UInt8]

    /// Creates a committed command.
    /// - Parameters:
    ///   - index: the entry's log index.
    ///   - bytes: the encoded command.
    public init(index: AppliedIndex, bytes: [UInt8]) {
        self.index = index
        self.bytes = bytes
    }
}
