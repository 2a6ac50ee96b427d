import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The two clocks the generator reads: monotonic time for latencies and schedules, and
/// wall-clock time for the ack log an orchestrator lines up with its kill times.
enum Clocks {
    /// Monotonic nanoseconds (NIO's uptime clock, the one its timers use).
    @inline(__always)
    static func monotonicNanoseconds() -> UInt64 {
        NIODeadline.now().uptimeNanoseconds
    }

    /// `CLOCK_REALTIME` in nanoseconds since the Unix epoch.
    static func realtimeNanoseconds() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return UInt64(spec.tv_sec) &* 1_000_000_000 &+ UInt64(spec.tv_nsec)
    }
}
