import Glibc
public import StateStore
import Synchronization

/// The node's open state store, which a snapshot install replaces while the node runs.
///
/// Short uses of the store (applies, reads) run inside `withStore` under one lock, so
/// `replace` can release the old RocksDB instance (its directory is about to be
/// swapped) knowing no reader still holds it, and no reader ever sees a closed store.
/// Long uses that must not stop the applies meanwhile (a checkpoint, a backup) run in
/// `withStoreForLongWork` without the lock; `replace` waits until they are done.
public final class StateStoreHandle: Sendable {
    private struct Current {
        var store: StateStore?
        /// Long uses running without the lock.
        var longWork = 0
    }

    private let current: Mutex<Current>

    /// Wraps an open store.
    public init(_ store: StateStore) {
        self.current = Mutex(Current(store: store))
    }

    /// Whether a store is open (false only after a failed install whose reopen failed too).
    public var isOpen: Bool { current.withLock { $0.store != nil } }

    /// Runs `body` with the store, holding the lock for its duration.
    /// - Throws: whatever `body` throws.
    public func withStore<T>(_ body: (StateStore) throws -> T) rethrows -> T {
        try current.withLock { current in
            guard let store = current.store else { preconditionFailure("the state store is being replaced") }
            return try body(store)
        }
    }

    /// Runs `body` with the store without holding the lock, so applies go on meanwhile;
    /// `replace` waits until `body` returns. For work that takes long and is safe while
    /// the store is written (RocksDB calls are).
    /// - Throws: whatever `body` throws.
    public func withStoreForLongWork<T>(_ body: (StateStore) throws -> T) rethrows -> T {
        // NB: counted down only after `runCounted` returned, when its reference to the
        // store is gone: `replace` expects to drop the last one.
        defer { current.withLock { $0.longWork -= 1 } }
        return try runCounted(body)
    }

    private func runCounted<T>(_ body: (StateStore) throws -> T) rethrows -> T {
        let store = current.withLock { current in
            guard let store = current.store else { preconditionFailure("the state store is being replaced") }
            current.longWork += 1
            return store
        }
        return try body(store)
    }

    /// Releases the store, runs `install` (which swaps the store's directory and opens
    /// the new one) and keeps what it returns. Users wait meanwhile; long work still
    /// running is waited for first.
    /// - Parameter install: opens the replacement; on error `reopen` is used instead.
    /// - Parameter reopen: opens the store's directory again after a failed install
    ///   (the old state, or the new one if the install failed after its swap).
    /// - Throws: what `install` threw, after reopening.
    public func replace(install: () throws -> StateStore, reopen: () throws -> StateStore) throws {
        while true {
            let replaced = try current.withLock { current -> Bool in
                guard current.longWork == 0 else { return false }
                current.store = nil // the last reference: RocksDB closes here
                do {
                    current.store = try install()
                } catch {
                    current.store = try reopen()
                    throw error
                }
                return true
            }
            if replaced { return }
            usleep(2_000)
        }
    }
}
