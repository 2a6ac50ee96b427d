import QueueModel
import Synchronization

/// Hands out message ids that sort by the time the leader chose them: the first 8
/// bytes are the milliseconds since the epoch (48 bits) and a 16-bit sequence, never
/// smaller than the previous id's (even if the clock steps back); the last 8 bytes are
/// random, so ids chosen by different leaders do not collide.
///
/// Ordered ids keep the state store's writes sequential: RocksDB inserts a key that
/// follows the previous one into its memtable without searching the skip list from
/// the top, which made random ids the largest single cost of applying an enqueue.
final class MessageIDSequence: Sendable {
    /// The first 8 bytes of the latest id.
    private let latest = Mutex<UInt64>(0)

    /// The next id for a message stamped at `now`.
    func next(at now: Timestamp) -> MessageID {
        let floor = (now.rawValue & 0xFFFF_FFFF_FFFF) << 16
        let high = latest.withLock { latest in
            latest = max(floor, latest &+ 1)
            return latest
        }
        var random = SystemRandomNumberGenerator()
        return MessageID(high: high, low: random.next())
    }
}
