/// When an open-loop connection's requests are due: the total rate is split evenly over
/// the connections, and connection `i`'s requests are offset by `i / rate` so the whole
/// run's requests are evenly spaced. Latency counts from a request's due time, so a
/// request that waits (for a free in-flight slot, or for a reconnect) is charged for the
/// wait: no coordinated omission.
struct OpenLoopSchedule: Sendable {
    /// Messages per second over all connections.
    var totalRate: Double
    /// How many connections share the rate.
    var connections: Int

    /// Nanoseconds between two requests of one connection.
    var intervalNanoseconds: Double { Double(connections) * 1e9 / totalRate }

    /// When request `index` of connection `connection` is due, relative to the run's start.
    /// - Returns: nanoseconds after the start.
    @inline(__always)
    func offset(connection: Int, index: UInt64) -> UInt64 {
        UInt64((Double(connection) / Double(connections) + Double(index)) * intervalNanoseconds)
    }

    /// How many of `connection`'s requests are due at or before `elapsed` ns after the start.
    func dueCount(connection: Int, elapsed: UInt64) -> UInt64 {
        let position = Double(elapsed) / intervalNanoseconds - Double(connection) / Double(connections)
        return position < 0 ? 0 : UInt64(position) + 1
    }
}
