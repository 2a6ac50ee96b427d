/// What a connection sends.
enum Workload: Sendable {
    /// Write requests, closed or open loop, for the run's duration.
    case load
    /// Check that each of `items` exists (this connection's share of the file).
    case verify(items: [String])
}
