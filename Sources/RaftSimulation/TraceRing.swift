/// The last `capacity` trace events of a run, plus a digest of every event ever recorded.
///
/// The ring is what a failure prints; the digest is what determinism tests compare,
/// since it covers the whole run rather than its tail.
public struct TraceRing: Sendable {
    /// How many events the ring keeps.
    public let capacity: Int
    private var storage: [TraceEvent] = []
    private var head = 0
    /// How many events were ever recorded.
    public private(set) var recordedCount = 0
    /// The digest of every event ever recorded, in order.
    public private(set) var digest = StableDigest()

    /// Creates an empty ring.
    /// - Parameter capacity: the number of events kept; MUST be positive.
    public init(capacity: Int = 200) {
        precondition(capacity > 0, "a trace ring needs room for one event")
        self.capacity = capacity
        storage.reserveCapacity(capacity)
    }

    /// Records one event, evicting the oldest when full.
    /// - Parameter event: the event.
    public mutating func record(_ event: TraceEvent) {
        event.fold(into: &digest)
        recordedCount += 1
        if storage.count < capacity {
            storage.append(event)
        } else {
            storage[head] = event
            head = (head + 1) % capacity
        }
    }

    /// The kept events, oldest first.
    public var events: [TraceEvent] {
        Array(storage[head...] + storage[..<head])
    }

    /// The kept events as text, one line per event, oldest first.
    public var lines: [String] { events.map(\.description) }
}
