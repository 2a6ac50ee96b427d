/// The leader's pending ReadIndex requests (thesis §6.4): each waits until a quorum of
/// voters has answered a heartbeat sent after the request was registered, which proves
/// no newer leader existed when the read index was recorded.
///
/// Each request gets a round number that the heartbeats carry as their context. An
/// answer to round `r` acknowledges every request with round `<= r`, so requests are
/// released in order, front first.
///
/// Invariant: `queue` rounds strictly increase.
struct ReadOnly: Sendable {
    struct Request: Sendable {
        /// The heartbeat round confirming this request.
        var round: UInt64
        /// The leader's commit index when the request arrived.
        var index: LogIndex
        /// The caller's context.
        var context: UInt64
        /// Who asked: this node, or a follower that forwarded the read.
        var requester: NodeID
        /// Voters (or members) that answered a round `>= round`.
        var acks: Set<NodeID>
    }

    private(set) var queue: [Request] = []
    /// Round numbers never repeat within a node's life, even across terms.
    private var nextRound: UInt64 = 1

    /// The newest round still waiting, if any (periodic heartbeats repeat it, so a lost
    /// heartbeat does not stall the read).
    var latestRound: UInt64? { queue.last?.round }

    /// Registers a read.
    /// - Returns: the round its heartbeats carry.
    mutating func add(index: LogIndex, context: UInt64, requester: NodeID, selfID: NodeID) -> UInt64 {
        let round = nextRound
        nextRound += 1
        queue.append(Request(round: round, index: index, context: context, requester: requester, acks: [selfID]))
        return round
    }

    /// `from` answered a heartbeat of `round`.
    mutating func ack(round: UInt64, from: NodeID) {
        for k in queue.indices where queue[k].round <= round {
            queue[k].acks.insert(from)
        }
    }

    /// Removes and returns the requests, front first, confirmed by `isQuorum`.
    mutating func release(_ isQuorum: (Set<NodeID>) -> Bool) -> [Request] {
        // Later requests hold a subset of earlier ones' acks, so find the last confirmed one.
        guard let last = queue.lastIndex(where: { isQuorum($0.acks) }) else { return [] }
        let out = Array(queue[...last])
        queue.removeSubrange(...last)
        return out
    }

    /// Drops every pending request (leadership lost: the callers retry elsewhere).
    mutating func clear() { queue.removeAll() }
}
