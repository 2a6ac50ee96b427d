/// Why a command was applied as a no-op. Apply must never fail differently on
/// different nodes, so these depend only on the command and the replicated state.
public enum ApplyRejection: Hashable, Sendable, CustomStringConvertible {
    /// A message with this id already exists (the leader picked an id twice).
    case messageIDInUse(MessageID)
    /// The envelope has no recipients.
    case noRecipients
    /// More recipients than a queue key's u16 recipient index can address.
    case tooManyRecipients(count: Int)
    /// The address is neither `local@domain` nor `@domain`.
    case unusableSuppressionAddress(String)
    /// The entry's bytes are not a well-formed command of a version this build knows
    /// (truncated, bad field, trailing bytes). Every node of the same version sees the
    /// same bytes and skips them alike, so one bad entry cannot halt the cluster.
    case malformedCommand(ByteDecodingError)

    /// A sentence saying what was refused.
    public var description: String {
        switch self {
        case .messageIDInUse(let id): "message id \(id) is already in use"
        case .noRecipients: "the envelope has no recipients"
        case .tooManyRecipients(let count): "\(count) recipients exceed the limit of 65536"
        case .unusableSuppressionAddress(let address): "\"\(address)\" is not an address or @domain"
        case .malformedCommand(let error): "malformed command: \(error)"
        }
    }
}

