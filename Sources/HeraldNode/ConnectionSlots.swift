import Synchronization

/// Counts the connections a server is serving, so it can refuse those beyond a limit in
/// the order they are accepted.
final class ConnectionSlots: Sendable {
    /// The most connections served at once.
    let limit: Int
    private let taken = Mutex(0)

    /// - Parameter limit: the most connections served at once.
    init(limit: Int) {
        self.limit = limit
    }

    /// Takes a slot for a connection being accepted; false when all are taken.
    func take() -> Bool {
        taken.withLock { taken in
            guard taken < limit else { return false }
            taken += 1
            return true
        }
    }

    /// Gives back the slot of a connection that is done.
    func give() {
        taken.withLock { $0 -= 1 }
    }

    /// Slots taken now.
    var count: Int { taken.withLock { $0 } }
}
