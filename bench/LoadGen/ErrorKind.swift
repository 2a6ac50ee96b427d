/// Why a request failed, as it appears in the report's `error_kinds`.
struct ErrorKind: Hashable, Sendable, CustomStringConvertible {
    /// The key in `error_kinds`, e.g. `unavailable`, `grpc_unavailable`, `timeout`.
    var name: String

    /// Wraps a name.
    init(_ name: String) { self.name = name }

    /// The connection closed (or broke) with the request unanswered.
    static let connectionLost = ErrorKind("connection_lost")
    /// No answer within `--timeout`.
    static let timeout = ErrorKind("timeout")
    /// The answer did not parse.
    static let badResponse = ErrorKind("bad_response")

    var description: String { name }
}
