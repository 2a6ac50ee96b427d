public import RaftCore

/// The simulated network: messages in flight, each with the tick it arrives at.
///
/// It loses, duplicates, delays and (through independent delays) reorders messages
/// according to `conditions`, and loses every message that crosses `partition`, both
/// when it is sent and when it would arrive. It has its own seeded generator, so the
/// same seed makes the same choices.
public struct SimulatedNetwork: Sendable {
    /// A message on the wire.
    public struct InFlight: Sendable {
        /// The tick at which it arrives.
        public var deliverAt: Int
        /// Send order, to break ties between messages due in the same tick.
        public var sequence: UInt64
        /// The message.
        public var message: PeerMessage
    }

    /// What became of a message handed to `send`.
    public enum SendOutcome: Hashable, Sendable {
        /// On its way (once or, when duplicated, twice).
        case queued(copies: Int)
        /// Lost to random loss.
        case dropped
        /// Lost to the partition in force.
        case cut
    }

    /// Loss, duplication and delay.
    public var conditions: NetworkConditions
    /// The partition in force, if any.
    public var partition: NetworkPartition?
    /// Messages in flight, in send order.
    public private(set) var inFlight: [InFlight] = []
    private var random: SimulationRandom
    private var nextSequence: UInt64 = 0

    /// Creates an empty network.
    /// - Parameters:
    ///   - conditions: how it misbehaves.
    ///   - seed: seeds its choices.
    public init(conditions: NetworkConditions, seed: UInt64) {
        self.conditions = conditions
        self.random = SimulationRandom(seed: seed ^ 0x6E65_7477_6F72_6B21)
    }

    /// Whether the partition in force lets `sender` reach `receiver`.
    public func connects(_ sender: NodeID, _ receiver: NodeID) -> Bool {
        partition?.allows(from: sender, to: receiver) ?? true
    }

    /// Puts a message on the wire at tick `now`.
    /// - Parameters:
    ///   - message: the message.
    ///   - now: the current tick.
    /// - Returns: what happened to it.
    @discardableResult
    public mutating func send(_ message: PeerMessage, now: Int) -> SendOutcome {
        guard connects(message.from, message.to) else { return .cut }
        if random.chance(conditions.dropProbability) { return .dropped }
        let copies = random.chance(conditions.duplicateProbability) ? 2 : 1
        for _ in 0..<copies {
            let delay = random.int(in: conditions.minDelayTicks...conditions.maxDelayTicks)
            inFlight.append(InFlight(deliverAt: now + delay, sequence: nextSequence, message: message))
            nextSequence += 1
        }
        return .queued(copies: copies)
    }

    /// Takes every message due at or before `now`, in arrival order. Messages that
    /// cross the partition in force are lost and returned in `cut`.
    /// - Parameter now: the current tick.
    /// - Returns: the messages to deliver and those lost to the partition.
    public mutating func takeDue(now: Int) -> (deliver: [PeerMessage], cut: [PeerMessage]) {
        guard inFlight.contains(where: { $0.deliverAt <= now }) else { return ([], []) }
        var due: [InFlight] = []
        var later: [InFlight] = []
        for item in inFlight {
            if item.deliverAt <= now { due.append(item) } else { later.append(item) }
        }
        inFlight = later
        due.sort { ($0.deliverAt, $0.sequence) < ($1.deliverAt, $1.sequence) }
        var deliver: [PeerMessage] = []
        var cut: [PeerMessage] = []
        for item in due {
            if connects(item.message.from, item.message.to) {
                deliver.append(item.message)
            } else {
                cut.append(item.message)
            }
        }
        return (deliver, cut)
    }
}
