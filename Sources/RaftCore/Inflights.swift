/// The AppendEntries messages sent to one follower and not yet acknowledged
/// (the pipelining window), bounded by a message count and by entry bytes.
///
/// A ring buffer of the last index and the byte size of each message, in send order.
/// Invariant: `count <= capacity`, and the stored last indexes strictly increase.
struct Inflights: Sendable {
    struct Flight: Sendable {
        var lastIndex: LogIndex
        var bytes: Int
    }

    /// Maximum messages in flight.
    let capacity: Int
    /// Maximum entry bytes in flight (0 means unbounded).
    let maxBytes: Int
    private var ring: [Flight] = []
    private var start = 0
    /// Messages in flight.
    private(set) var count = 0
    /// Entry bytes in flight.
    private(set) var bytes = 0

    init(capacity: Int, maxBytes: Int) {
        self.capacity = max(1, capacity)
        self.maxBytes = maxBytes
    }

    /// No more messages may be sent until an acknowledgement frees some.
    var isFull: Bool { count >= capacity || (maxBytes > 0 && bytes >= maxBytes) }

    /// Records a message whose last entry is `lastIndex`.
    mutating func add(_ lastIndex: LogIndex, bytes size: Int) {
        precondition(count < capacity, "inflight window overflow")
        if ring.isEmpty {
            // NB: allocated lazily: most progress entries (probe, idle learners) never pipeline.
            ring = Array(repeating: Flight(lastIndex: .zero, bytes: 0), count: capacity)
        }
        ring[(start + count) % capacity] = Flight(lastIndex: lastIndex, bytes: size)
        count += 1
        bytes += size
    }

    /// Frees every message whose last index is `<= index` (they are acknowledged).
    mutating func freeLE(_ index: LogIndex) {
        while count > 0 {
            let flight = ring[start]
            guard flight.lastIndex <= index else { break }
            bytes -= flight.bytes
            start = (start + 1) % capacity
            count -= 1
        }
        if count == 0 { start = 0; bytes = 0 }
    }

    /// Frees the oldest message (used to unstick a full window after losses).
    mutating func freeFirstOne() {
        guard count > 0 else { return }
        bytes -= ring[start].bytes
        start = (start + 1) % capacity
        count -= 1
        if count == 0 { start = 0; bytes = 0 }
    }

    /// Forgets everything in flight.
    mutating func reset() {
        start = 0
        count = 0
        bytes = 0
    }
}
