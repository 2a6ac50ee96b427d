public import StateStore
import Synchronization

/// The node's open state store, which a snapshot install replaces while the node runs.
///
/// Every use of the store runs inside `withStore` under one lock, so `replace` can
/// release the old RocksDB instance (its directory is about to be swapped) knowing no
/// reader still holds it, and no reader ever sees a closed store.
public final class StateStoreHandle: Sendable {
    private let current: Mutex<StateStore?>

    /// Wraps an open store.
    public init(_ store: StateStore) {
        self.current = Mutex(store)
    }

    /// Runs `body` with the store, holding the lock for its duration.
    /// - Throws: whatever `body` throws.
    public func withStore<T>(_ body: (StateStore) throws -> T) rethrows -> T {
        try current.withLock { store in
            guard let store else { preconditionFailure("the state store is being replaced") }
            return try body(store)
        }
    }

    /// The open store, for work too long to hold the lock for (a checkpoint taken while
    /// entries are applied). The caller MUST keep `replace` from running until it is done
    /// with the store, or it may use a store whose directory was swapped.
    public func storeForLongWork() -> StateStore {
        current.withLock { store in
            guard let store else { preconditionFailure("the state store is being replaced") }
            return store
        }
    }

    /// Releases the store, runs `install` (which swaps the store's directory and opens
    /// the new one) and keeps what it returns. Users wait meanwhile.
    /// - Parameter install: opens the replacement; on error the old directory is intact
    ///   and `reopen` is used instead.
    /// - Parameter reopen: opens the store again after a failed install.
    /// - Throws: what `install` threw, after reopening.
    public func replace(install: () throws -> StateStore, reopen: () throws -> StateStore) throws {
        try current.withLock { store in
            store = nil // the last reference: RocksDB closes here
            do {
                store = try install()
            } catch {
                store = try reopen()
                throw error
            }
        }
    }
}
