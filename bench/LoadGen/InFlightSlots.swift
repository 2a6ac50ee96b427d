/// The requests in flight on one connection, in a fixed number of slots: issuing takes a
/// free slot, completing frees it, and neither allocates. Each slot keeps when its request
/// was scheduled (latency counts from there) and sent (timeouts count from there).
///
/// Invariant: `active + freeSlots.count == capacity`; a slot is in `freeSlots` exactly
/// when `isActive[slot]` is false.
struct InFlightSlots {
    /// How many requests may be in flight at once.
    let capacity: Int
    private var freeSlots: [Int]
    private var generations: [UInt32]
    private var isActive: [Bool]
    /// When each slot's request was scheduled (monotonic ns).
    private(set) var scheduledAt: [UInt64]
    /// When each slot's request was written (monotonic ns).
    private(set) var sentAt: [UInt64]
    /// Each slot's sequence number (load) or item index (verification).
    private(set) var sequences: [UInt64]

    /// Creates `capacity` free slots.
    init(capacity: Int) {
        self.capacity = capacity
        freeSlots = Array((0..<capacity).reversed())
        generations = Array(repeating: 1, count: capacity)
        isActive = Array(repeating: false, count: capacity)
        scheduledAt = Array(repeating: 0, count: capacity)
        sentAt = Array(repeating: 0, count: capacity)
        sequences = Array(repeating: 0, count: capacity)
    }

    /// Requests in flight.
    var active: Int { capacity - freeSlots.count }
    /// Whether another request may be issued.
    var hasFreeSlot: Bool { !freeSlots.isEmpty }

    /// Takes a free slot. MUST only be called when `hasFreeSlot`.
    /// - Parameters:
    ///   - scheduled: when the request was due.
    ///   - sent: now.
    ///   - sequence: the request's sequence number or item index.
    /// - Returns: the token naming the request.
    mutating func issue(scheduled: UInt64, sent: UInt64, sequence: UInt64) -> RequestToken {
        let slot = freeSlots.removeLast()
        isActive[slot] = true
        scheduledAt[slot] = scheduled
        sentAt[slot] = sent
        sequences[slot] = sequence
        return RequestToken(slot: slot, generation: generations[slot])
    }

    /// Frees the slot `token` names, if it is still that request's.
    /// - Parameter token: the token from `issue`.
    /// - Returns: the slot, or `nil` when the request already completed (a late answer).
    mutating func complete(_ token: RequestToken) -> Int? {
        let slot = token.slot
        guard slot < capacity, isActive[slot], generations[slot] == token.generation else { return nil }
        isActive[slot] = false
        generations[slot] = generations[slot] == UInt32.max ? 1 : generations[slot] + 1
        freeSlots.append(slot)
        return slot
    }

    /// The tokens of every request in flight.
    func activeTokens() -> [RequestToken] {
        isActive.indices.filter { isActive[$0] }.map { RequestToken(slot: $0, generation: generations[$0]) }
    }

    /// The tokens of the requests sent at or before `deadline`.
    /// - Parameter deadline: monotonic ns.
    func tokens(sentAtOrBefore deadline: UInt64) -> [RequestToken] {
        isActive.indices.filter { isActive[$0] && sentAt[$0] <= deadline }
            .map { RequestToken(slot: $0, generation: generations[$0]) }
    }
}
