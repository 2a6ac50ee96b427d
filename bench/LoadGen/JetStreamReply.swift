import NIOCore

/// Reads JetStream's answer to a publish: `{"stream":"BENCH","seq":N}` on success, or
/// `{"error":{"code":503,...}}`. Scans the bytes for the two keys; no JSON decoder runs.
enum JetStreamReply {
    private static let errorKey = Array("\"error\"".utf8)
    private static let codeKey = Array("\"code\":".utf8)
    private static let sequenceKey = Array("\"seq\":".utf8)

    /// Classifies one reply.
    /// - Parameter payload: the reply's bytes.
    /// - Returns: an ack with the stream sequence, or a failure named `jetstream_<code>`.
    static func outcome(of payload: ByteBuffer) -> RequestOutcome {
        let view = payload.readableBytesView
        if find(errorKey, in: view) != nil {
            if let code = number(after: codeKey, in: payload) { return .failed(ErrorKind("jetstream_\(code)")) }
            return .failed(ErrorKind("jetstream_error"))
        }
        if let sequence = number(after: sequenceKey, in: payload) {
            return .acked(term: 0, record: .streamSequence(sequence))
        }
        return .failed(.badResponse)
    }

    /// The unsigned decimal right after `key` (spaces skipped), if any.
    static func number(after key: [UInt8], in payload: ByteBuffer) -> UInt64? {
        let view = payload.readableBytesView
        guard var offset = find(key, in: view) else { return nil }
        offset += key.count
        while offset < view.count, view[view.startIndex + offset] == UInt8(ascii: " ") { offset += 1 }
        var end = offset
        while end < view.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(view[view.startIndex + end]) { end += 1 }
        return payload.decimal(in: offset..<end)
    }

    /// The offset of the first occurrence of `pattern` in `view`.
    static func find(_ pattern: [UInt8], in view: ByteBufferView) -> Int? {
        guard view.count >= pattern.count, let head = pattern.first else { return nil }
        var offset = 0
        let lastStart = view.count - pattern.count
        while offset <= lastStart {
            if view[view.startIndex + offset] == head {
                var matched = 1
                while matched < pattern.count, view[view.startIndex + offset + matched] == pattern[matched] { matched += 1 }
                if matched == pattern.count { return offset }
            }
            offset += 1
        }
        return nil
    }
}
