/// The names of gRPC status codes, for `error_kinds` (`grpc_unavailable`, ...).
enum GRPCStatusName {
    private static let names = [
        "ok", "cancelled", "unknown", "invalid_argument", "deadline_exceeded", "not_found", "already_exists",
        "permission_denied", "resource_exhausted", "failed_precondition", "aborted", "out_of_range",
        "unimplemented", "internal", "unavailable", "data_loss", "unauthenticated",
    ]

    /// `grpc_<name>` for a status code as sent in `grpc-status`.
    static func errorKind(_ status: String) -> ErrorKind {
        if let code = Int(status), names.indices.contains(code) { return ErrorKind("grpc_\(names[code])") }
        return ErrorKind("grpc_\(status)")
    }
}
