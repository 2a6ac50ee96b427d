/// Bounds checks shared by the producer encoders, so encoding refuses exactly what
/// decoding would.
enum ProducerFieldCheck {
    /// Throws unless `text` is at most `limit` UTF-8 bytes.
    static func string(_ text: String, _ field: String, limit: Int) throws(WireError) {
        let length = text.utf8.count
        guard length <= limit else { throw WireError.malformed("\(field) of \(length) bytes exceeds \(limit)") }
    }

    /// Throws unless `count` lies in `range`.
    static func count(_ count: Int, _ field: String, range: ClosedRange<Int>) throws(WireError) {
        guard range.contains(count) else {
            throw WireError.malformed("\(field) \(count) is outside \(range.lowerBound)-\(range.upperBound)")
        }
    }

    /// `text` cut to at most `limit` UTF-8 bytes, never in the middle of a character.
    static func truncated(_ text: String, limit: Int) -> String {
        guard text.utf8.count > limit else { return text }
        var result = ""
        var length = 0
        for character in text {
            let size = character.utf8.count
            guard length + size <= limit else { break }
            result.append(character)
            length += size
        }
        return result
    }
}
