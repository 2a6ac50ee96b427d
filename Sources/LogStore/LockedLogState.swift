import Synchronization

/// The `LogState` shared by readers and the writer thread.
final class LockedLogState: Sendable {
    let mutex: Mutex<LogState>
    init(_ state: consuming sending LogState) { mutex = Mutex(state) }
}
