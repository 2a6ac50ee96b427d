import NIOCore
import Synchronization

/// The connections a listener accepted that are still open. Stopping the listener
/// closes every one of them, including those accepted while it stopped that its accept
/// loop never took, and waits until they are closed.
final class OpenConnections: Sendable {
    private let channels = Mutex<[ObjectIdentifier: any Channel]>([:])

    /// Keeps `channel` until it closes. Call from the channel initializer.
    func track(_ channel: any Channel) {
        let key = ObjectIdentifier(channel)
        channels.withLock { $0[key] = channel }
        channel.closeFuture.whenComplete { _ in _ = self.channels.withLock { $0.removeValue(forKey: key) } }
    }

    /// Closes every open connection and waits until each has closed.
    /// - Parameter mode: `.input` lets a connection's handler answer what it accepted
    ///   before it closes the connection itself.
    func closeAll(mode: CloseMode = .all) async {
        let open = channels.withLock { Array($0.values) }
        for channel in open { channel.close(mode: mode, promise: nil) }
        for channel in open { try? await channel.closeFuture.get() }
    }
}
