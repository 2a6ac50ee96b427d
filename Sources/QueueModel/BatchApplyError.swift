/// Why a batch could not be applied. Both cases MUST stop the node (STYLE §5: never
/// limp on): applying past them would make this node's state diverge.
public enum BatchApplyError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The entry at `index` was written by a newer version of Herald (unknown version
    /// or command tag): this node must be upgraded before it can go on.
    case needsNewerVersion(index: AppliedIndex, ByteDecodingError)
    /// A stored record is corrupt.
    case corruptState(CorruptStateError)

    /// A sentence for the log.
    public var description: String {
        switch self {
        case .needsNewerVersion(let index, let error):
            "entry \(index) needs a newer Herald: \(error)"
        case .corruptState(let error):
            "\(error)"
        }
    }
}
