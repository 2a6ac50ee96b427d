/// Why an enqueue request was refused before it was proposed. Each case names the
/// field at fault; `description` is the sentence to show the producer, e.g.
/// `recipients[2]: "bob@@x" is not a valid address`.
public enum EnvelopeValidationError: Error, Hashable, Sendable, CustomStringConvertible {
    /// `field` (`mailFrom` or `recipients[i]`) is not an RFC 5321 mailbox.
    case invalidAddress(field: String, address: String, problem: AddressProblem)
    /// The envelope has no recipients.
    case noRecipients
    /// More recipients than the limit.
    case tooManyRecipients(count: Int, limit: Int)
    /// `field` repeats the address at `firstField` (compared case-insensitively).
    case duplicateRecipient(field: String, address: String, firstField: String)
    /// The priority is above 9.
    case priorityOutOfRange(UInt8)
    /// The idempotency key is present but empty.
    case emptyIdempotencyKey
    /// The idempotency key is longer than the limit, in UTF-8 bytes.
    case idempotencyKeyTooLong(bytes: Int, limit: Int)
    /// The expiry is not after the not-before time.
    case expiresBeforeNotBefore(notBefore: Timestamp, expiresAt: Timestamp)
    /// The message is larger than the limit.
    case messageTooLarge(bytes: Int, limit: Int)
    /// The message bytes are not a sane RFC 5322 message.
    case malformedMessage(MessageProblem)
    /// A suppression's `source` is longer than the limit, in UTF-8 bytes.
    case sourceTooLong(bytes: Int, limit: Int)

    /// What is wrong with an address.
    public enum AddressProblem: Hashable, Sendable {
        /// Not `local-part@domain` with a dot-atom or quoted-string local part and a
        /// hostname or address-literal domain (RFC 5321 §4.1.2). Non-ASCII addresses
        /// (SMTPUTF8) are not accepted yet.
        case syntax
        /// The local part is longer than 64 octets.
        case localPartTooLong(octets: Int)
        /// The domain is longer than 255 octets.
        case domainTooLong(octets: Int)
        /// The whole address is longer than 254 octets.
        case addressTooLong(octets: Int)
    }

    /// What is wrong with the message bytes.
    public enum MessageProblem: Hashable, Sendable {
        /// A NUL byte at `offset`.
        case nulByte(offset: Int)
        /// Line `line` (1-based) is longer than 998 octets, not counting CRLF.
        case lineTooLong(line: Int, octets: Int)
        /// No empty line (CRLFCRLF or LFLF) ends the header section.
        case noHeaderTerminator
        /// Header line `line` (1-based) is neither `Name: value` nor a folded
        /// continuation of a previous field.
        case malformedHeaderLine(line: Int)
        /// The header section has no `From:` field.
        case missingFrom
    }

    /// The sentence for the producer, starting with the field's name.
    public var description: String {
        switch self {
        case .invalidAddress(let field, let address, let problem):
            let base = "\(field): \"\(address)\" is not a valid address"
            switch problem {
            case .syntax: return base
            case .localPartTooLong(let octets): return base + " (the local part is \(octets) octets, the limit is 64)"
            case .domainTooLong(let octets): return base + " (the domain is \(octets) octets, the limit is 255)"
            case .addressTooLong(let octets): return base + " (it is \(octets) octets, the limit is 254)"
            }
        case .noRecipients:
            return "recipients: at least one recipient is required"
        case .tooManyRecipients(let count, let limit):
            return "recipients: \(count) recipients exceed the limit of \(limit)"
        case .duplicateRecipient(let field, let address, let firstField):
            return "\(field): \"\(address)\" repeats \(firstField)"
        case .priorityOutOfRange(let priority):
            return "priority: \(priority) is outside 0...9"
        case .emptyIdempotencyKey:
            return "idempotencyKey: must not be empty"
        case .idempotencyKeyTooLong(let bytes, let limit):
            return "idempotencyKey: \(bytes) bytes exceed the limit of \(limit)"
        case .expiresBeforeNotBefore(let notBefore, let expiresAt):
            return "expiresAt: \(expiresAt) is not after notBefore \(notBefore)"
        case .messageTooLarge(let bytes, let limit):
            return "message: \(bytes) bytes exceed the limit of \(limit)"
        case .sourceTooLong(let bytes, let limit):
            return "source: \(bytes) bytes exceed the limit of \(limit)"
        case .malformedMessage(let problem):
            switch problem {
            case .nulByte(let offset):
                return "message: NUL byte at offset \(offset)"
            case .lineTooLong(let line, let octets):
                return "message: line \(line) is \(octets) octets long, the limit is 998"
            case .noHeaderTerminator:
                return "message: no empty line (CRLFCRLF or LFLF) ends the header section"
            case .malformedHeaderLine(let line):
                return "message: header line \(line) is neither \"Name: value\" nor a folded continuation"
            case .missingFrom:
                return "message: the header section has no From: field"
            }
        }
    }
}
