/// Capped exponential backoff with full jitter, for reconnecting.
struct Backoff {
    let initial: Duration
    let maximum: Duration
    private var current: Duration

    init(initial: Duration, maximum: Duration) {
        self.initial = initial
        self.maximum = maximum
        self.current = initial
    }

    /// The next delay: uniformly random up to the current cap, which then doubles.
    mutating func next() -> Duration {
        let cap = current
        current = min(current * 2, maximum)
        let fraction = Double.random(in: 0.5...1.0)
        return cap * fraction
    }

    /// Back to the initial delay after a success.
    mutating func reset() { current = initial }

    /// Lowers the current cap to at most `limit` (it grows again from there).
    mutating func limit(to limit: Duration) { current = min(current, max(limit, initial)) }
}
