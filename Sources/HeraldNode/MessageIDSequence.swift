import Glibc
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
    private struct State {
        /// The first 8 bytes of the latest id.
        var latest: UInt64 = 0
        /// Random values from the C library's CSPRNG, fetched 32 at a time.
        var random: [UInt64] = []
    }

    private let state = Mutex(State())

    /// The next id for a message stamped at `now`.
    func next(at now: Timestamp) -> MessageID {
        let floor = (now.rawValue & 0xFFFF_FFFF_FFFF) << 16
        return state.withLock { state in
            state.latest = max(floor, state.latest &+ 1)
            if state.random.isEmpty { state.random = Self.randomValues(count: 32) }
            return MessageID(high: state.latest, low: state.random.removeLast())
        }
    }

    private static func randomValues(count: Int) -> [UInt64] {
        var values = [UInt64](repeating: 0, count: count)
        values.withUnsafeMutableBytes { arc4random_buf($0.baseAddress!, $0.count) }
        return values
    }
}
