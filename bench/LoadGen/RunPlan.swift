/// Everything a connection needs to know about the run, shared by all of them. Times are
/// monotonic nanoseconds (`Clocks.monotonicNanoseconds()`).
///
/// Invariant: `startAt <= warmupEndsAt <= measureEndsAt <= giveUpAt`.
struct RunPlan: Sendable {
    /// The system under load.
    var system: SystemKind
    /// Where to connect; connection `i` starts on `endpoints[i % count]`.
    var endpoints: [Endpoint]
    /// How many connections.
    var connections: Int
    /// Requests outstanding per connection, at most.
    var inflight: Int
    /// A request unanswered this long after it was written fails with `timeout`.
    var timeoutNanoseconds: UInt64
    /// After a failed request a connection issues nothing new for this long.
    var errorPauseNanoseconds: UInt64
    /// When the run began: the open-loop schedule starts here.
    var startAt: UInt64
    /// Requests scheduled before this are warm-up and not counted.
    var warmupEndsAt: UInt64
    /// Requests scheduled from this on are not issued; the run drains and ends.
    var measureEndsAt: UInt64
    /// Connections stop here whatever is still in flight.
    var giveUpAt: UInt64
    /// The open-loop schedule; `nil` for a closed loop.
    var schedule: OpenLoopSchedule?
    /// One line per acknowledgement: wall-clock ns and term.
    var ackLog: OutputFile?
    /// One line per acknowledged item.
    var recordAcks: OutputFile?
    /// Herald: a connection whose node names another node as leader in `welcome` moves on
    /// to the next endpoint, up to one round, as Herald's client library does.
    var followLeader = false

    /// Whether a request scheduled at `time` counts in the report.
    @inline(__always)
    func isMeasured(_ time: UInt64) -> Bool { time >= warmupEndsAt && time < measureEndsAt }
}
