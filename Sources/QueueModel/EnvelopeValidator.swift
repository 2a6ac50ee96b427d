/// Checks an enqueue request before it is proposed: the leader runs it on every
/// request (a refused request never reaches the log), and producers may run it first
/// to fail fast. Pure; the same request always gives the same answer.
public struct EnvelopeValidator: Hashable, Sendable {
    /// The largest accepted message, in bytes (default 25 MiB).
    public var maxMessageBytes: Int
    /// The most recipients per message (default 1000).
    public var maxRecipients: Int

    /// RFC 5322 §2.1.1: a line is at most 998 octets, CRLF excluded.
    public static let maxLineOctets = 998
    /// RFC 5321 §4.5.3.1.1.
    public static let maxLocalPartOctets = 64
    /// RFC 5321 §4.5.3.1.2.
    public static let maxDomainOctets = 255
    /// RFC 5321 §4.5.3.1.3 (a 256-octet path minus the angle brackets).
    public static let maxAddressOctets = 254

    /// Creates a validator.
    /// - Parameters:
    ///   - maxMessageBytes: the largest accepted message.
    ///   - maxRecipients: the most recipients per message.
    public init(maxMessageBytes: Int = 25 * 1024 * 1024, maxRecipients: Int = 1000) {
        self.maxMessageBytes = maxMessageBytes
        self.maxRecipients = maxRecipients
    }

    /// Checks every field of a request, in field order, and reports the first problem.
    /// - Parameter request: the request to propose.
    /// - Throws: `EnvelopeValidationError` naming the first field at fault.
    public func validate(_ request: EnqueueRequest) throws(EnvelopeValidationError) {
        if !request.mailFrom.isEmpty {
            try validateAddress(request.mailFrom, field: "mailFrom")
        }
        guard !request.recipients.isEmpty else { throw .noRecipients }
        guard request.recipients.count <= maxRecipients else {
            throw .tooManyRecipients(count: request.recipients.count, limit: maxRecipients)
        }
        // NB: field names are built only for errors, and a single recipient needs no
        // duplicate table (this runs for every enqueue).
        let checksDuplicates = request.recipients.count > 1
        var firstIndexByAddress: [String: Int] = [:]
        for (index, recipient) in request.recipients.enumerated() {
            try validateAddress(recipient, field: "recipients[\(index)]")
            guard checksDuplicates else { continue }
            let normalised = SuppressionAddress.normalise(recipient)
            if let first = firstIndexByAddress[normalised] {
                throw .duplicateRecipient(field: "recipients[\(index)]", address: recipient, firstField: "recipients[\(first)]")
            }
            firstIndexByAddress[normalised] = index
        }
        guard request.priority <= EnqueueRequest.maxPriority else { throw .priorityOutOfRange(request.priority) }
        if let key = request.idempotencyKey {
            guard !key.isEmpty else { throw .emptyIdempotencyKey }
            guard key.utf8.count <= EnqueueRequest.maxIdempotencyKeyBytes else {
                throw .idempotencyKeyTooLong(bytes: key.utf8.count, limit: EnqueueRequest.maxIdempotencyKeyBytes)
            }
        }
        if let notBefore = request.notBefore, let expiresAt = request.expiresAt, expiresAt <= notBefore {
            throw .expiresBeforeNotBefore(notBefore: notBefore, expiresAt: expiresAt)
        }
        try validateMessage(request.message)
    }

    /// Checks one address against RFC 5321 `Mailbox` syntax and length limits.
    /// - Parameters:
    ///   - address: the address, without angle brackets.
    ///   - field: the field's name for the error, e.g. `recipients[2]` (built only on error).
    /// - Throws: `EnvelopeValidationError.invalidAddress`.
    public func validateAddress(_ address: String, field: @autoclosure () -> String) throws(EnvelopeValidationError) {
        if let problem = Self.addressProblem(address) {
            throw .invalidAddress(field: field(), address: address, problem: problem)
        }
    }

    /// Checks the message bytes: size, no NUL, lines of at most 998 octets, a header
    /// section of `Name: value` lines (and folded continuations) ended by an empty
    /// line, with a `From:` field.
    /// - Parameter message: the raw RFC 5322 message.
    /// - Throws: `EnvelopeValidationError.messageTooLarge` or `.malformedMessage`.
    public func validateMessage(_ message: [UInt8]) throws(EnvelopeValidationError) {
        guard message.count <= maxMessageBytes else {
            throw .messageTooLarge(bytes: message.count, limit: maxMessageBytes)
        }
        if let problem = Self.messageProblem(message) { throw .malformedMessage(problem) }
    }

    /// Checks a suppression before it is proposed: the address is a valid mailbox, or
    /// `@` followed by a valid domain, and the source fits.
    /// - Parameter entry: the suppression to propose.
    /// - Throws: `EnvelopeValidationError.invalidAddress` (field `address`) or
    ///   `.sourceTooLong`.
    public func validateSuppression(_ entry: SuppressionEntry) throws(EnvelopeValidationError) {
        let bytes = Array(entry.address.utf8)
        if bytes.first == UInt8(ascii: "@") {
            let domain = bytes.dropFirst()
            guard Self.isDomain(domain) else {
                throw .invalidAddress(field: "address", address: entry.address, problem: .syntax)
            }
            guard domain.count <= Self.maxDomainOctets else {
                throw .invalidAddress(field: "address", address: entry.address,
                                      problem: .domainTooLong(octets: domain.count))
            }
        } else {
            try validateAddress(entry.address, field: "address")
        }
        guard entry.source.utf8.count <= SuppressionEntry.maxSourceBytes else {
            throw .sourceTooLong(bytes: entry.source.utf8.count, limit: SuppressionEntry.maxSourceBytes)
        }
    }

    // MARK: - Messages

    static func messageProblem(_ message: [UInt8]) -> EnvelopeValidationError.MessageProblem? {
        // NB: over a buffer pointer the byte loop runs without bounds checks; it reads every
        // byte of every message the leader accepts.
        message.withUnsafeBufferPointer { messageProblem(in: $0) }
    }

    private static func messageProblem(in message: UnsafeBufferPointer<UInt8>) -> EnvelopeValidationError.MessageProblem? {
        let carriageReturn = UInt8(ascii: "\r")
        var inHeader = true
        var sawFrom = false
        var lineNumber = 0
        var lineStart = 0
        while lineStart < message.count {
            lineNumber += 1
            let lineEnd = firstLineFeedOrNul(in: message, from: lineStart)
            if lineEnd < message.count, message[lineEnd] == 0 { return .nulByte(offset: lineEnd) }
            let endedByLineFeed = lineEnd < message.count
            var contentEnd = lineEnd
            if endedByLineFeed, contentEnd > lineStart, message[contentEnd - 1] == carriageReturn { contentEnd -= 1 }
            let octets = contentEnd - lineStart
            if octets > maxLineOctets { return .lineTooLong(line: lineNumber, octets: octets) }
            if inHeader {
                if octets == 0 && endedByLineFeed {
                    guard sawFrom else { return .missingFrom }
                    inHeader = false
                } else if !endedByLineFeed {
                    return .noHeaderTerminator
                } else if message[lineStart] == UInt8(ascii: " ") || message[lineStart] == UInt8(ascii: "\t") {
                    if lineNumber == 1 { return .malformedHeaderLine(line: lineNumber) }
                } else {
                    guard let colon = message[lineStart..<contentEnd].firstIndex(of: UInt8(ascii: ":")),
                          colon > lineStart,
                          message[lineStart..<colon].allSatisfy({ (33...126).contains($0) })
                    else { return .malformedHeaderLine(line: lineNumber) }
                    if isFrom(message[lineStart..<colon]) { sawFrom = true }
                }
            }
            lineStart = lineEnd + 1
        }
        return inHeader ? .noHeaderTerminator : nil
    }

    /// The offset of the first line feed or NUL at or after `start`, or `message.count`.
    /// Eight bytes per step: a byte is zero in `word` (or in `word ^ LF…`) exactly when
    /// the classic has-zero-byte expression sets its high bit.
    private static func firstLineFeedOrNul(in message: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let lineFeeds = ones &* UInt64(UInt8(ascii: "\n"))
        var offset = start
        let raw = UnsafeRawBufferPointer(message)
        while offset + 8 <= message.count {
            let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            let feeds = word ^ lineFeeds
            let found = ((word &- ones) & ~word | (feeds &- ones) & ~feeds) & highs
            if found != 0 {
                // NB: the lowest flagged byte is always a true match (borrows only run upward).
                return offset + found.trailingZeroBitCount / 8
            }
            offset += 8
        }
        while offset < message.count, message[offset] != UInt8(ascii: "\n"), message[offset] != 0 { offset += 1 }
        return offset
    }

    private static func isFrom(_ name: some Collection<UInt8>) -> Bool {
        name.count == 4 && zip(name, "from".utf8).allSatisfy { $0 | 0x20 == $1 }
    }

    // MARK: - Addresses

    /// The first problem of `address` as an RFC 5321 mailbox, or `nil` if it is one.
    static func addressProblem(_ address: String) -> EnvelopeValidationError.AddressProblem? {
        let bytes = Array(address.utf8)
        guard let localEnd = localPartEnd(bytes), localEnd < bytes.count, bytes[localEnd] == UInt8(ascii: "@")
        else { return .syntax }
        let domain = bytes[(localEnd + 1)...]
        guard isDomain(domain) else { return .syntax }
        if localEnd > maxLocalPartOctets { return .localPartTooLong(octets: localEnd) }
        if domain.count > maxDomainOctets { return .domainTooLong(octets: domain.count) }
        if bytes.count > maxAddressOctets { return .addressTooLong(octets: bytes.count) }
        return nil
    }

    /// The index just past a dot-atom or quoted-string local part, or `nil`.
    private static func localPartEnd(_ bytes: [UInt8]) -> Int? {
        guard let first = bytes.first else { return nil }
        if first == UInt8(ascii: "\"") {
            var index = 1
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") { return index + 1 }
                if byte == UInt8(ascii: "\\") {
                    guard index + 1 < bytes.count, (32...126).contains(bytes[index + 1]) else { return nil }
                    index += 2
                } else if isQuotedText(byte) {
                    index += 1
                } else {
                    return nil
                }
            }
            return nil
        }
        var index = 0
        while true {
            let atomStart = index
            while index < bytes.count, isAtomText(bytes[index]) { index += 1 }
            guard index > atomStart else { return nil }
            guard index < bytes.count, bytes[index] == UInt8(ascii: ".") else { return index }
            index += 1
        }
    }

    static func isDomain(_ domain: ArraySlice<UInt8>) -> Bool {
        guard let first = domain.first else { return false }
        if first == UInt8(ascii: "[") {
            guard domain.count >= 2, domain.last == UInt8(ascii: "]") else { return false }
            return isAddressLiteral(domain.dropFirst().dropLast())
        }
        // An empty label (leading, doubled or trailing dot) fails `isLabel`. NB: walked
        // in place; `split` built an array per address on the enqueue path.
        var labelStart = domain.startIndex
        for index in domain.indices where domain[index] == UInt8(ascii: ".") {
            guard isLabel(domain[labelStart..<index]) else { return false }
            labelStart = index + 1
        }
        return isLabel(domain[labelStart...])
    }

    /// A hostname label: letters, digits and inner hyphens, 1–63 octets.
    private static func isLabel(_ label: ArraySlice<UInt8>) -> Bool {
        guard let first = label.first, let last = label.last, label.count <= 63 else { return false }
        return isLetterOrDigit(first) && isLetterOrDigit(last)
            && label.allSatisfy { isLetterOrDigit($0) || $0 == UInt8(ascii: "-") }
    }

    /// `1.2.3.4` or `IPv6:` followed by hex digits, colons and dots (at least two
    /// colons). General address literals (`tag:content`) are refused.
    private static func isAddressLiteral(_ literal: ArraySlice<UInt8>) -> Bool {
        let ipv6Tag = Array("IPv6:".utf8)
        if literal.starts(with: ipv6Tag) {
            let rest = literal.dropFirst(ipv6Tag.count)
            let allowed = rest.allSatisfy { isHexDigit($0) || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".") }
            return allowed && rest.count(where: { $0 == UInt8(ascii: ":") }) >= 2 && rest.count <= 45
        }
        let parts = literal.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 4 else { return false }
        return parts.allSatisfy { part in
            guard (1...3).contains(part.count), part.allSatisfy(isDigit) else { return false }
            return part.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) } <= 255
        }
    }

    /// RFC 5322 `atext`.
    private static func isAtomText(_ byte: UInt8) -> Bool {
        isLetterOrDigit(byte) || Array("!#$%&'*+-/=?^_`{|}~".utf8).contains(byte)
    }

    /// RFC 5321 `qtextSMTP`: printable ASCII except `"` and `\`.
    private static func isQuotedText(_ byte: UInt8) -> Bool {
        (32...126).contains(byte) && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\")
    }

    private static func isDigit(_ byte: UInt8) -> Bool { (48...57).contains(byte) }

    private static func isLetterOrDigit(_ byte: UInt8) -> Bool {
        isDigit(byte) || (65...90).contains(byte) || (97...122).contains(byte)
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        isDigit(byte) || (65...70).contains(byte) || (97...102).contains(byte)
    }
}
