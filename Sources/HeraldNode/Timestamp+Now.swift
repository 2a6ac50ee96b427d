import Foundation
import QueueModel

extension Timestamp {
    /// This node's clock, as the leader stamps commands with it.
    static func now() -> Timestamp {
        Timestamp(millisecondsSinceEpoch: UInt64(max(0, Date().timeIntervalSince1970 * 1000)))
    }
}
