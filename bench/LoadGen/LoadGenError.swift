/// A problem that stops the generator before or instead of a run.
enum LoadGenError: Error, CustomStringConvertible {
    /// A file could not be read or written.
    case io(String)
    /// The NATS stream could not be set up.
    case streamSetup(String)

    var description: String {
        switch self {
        case .io(let detail): detail
        case .streamSetup(let detail): "NATS stream setup failed: \(detail)"
        }
    }
}
