import NIOCore
import Wire

/// One open, welcomed connection to a node: where to write requests and who is waiting
/// for responses on it. Lives while `HeraldClient.run()` reads from it; when the
/// connection ends, every request still waiting on it fails with `connectionLost`.
final class ProducerConnection: Sendable {
    /// The node's address.
    let address: HeraldServerAddress
    /// What the node said in `welcome`.
    let welcome: ProducerWelcome
    /// Writes request frames, coalescing bursts; safe to call from many tasks at once.
    let writer: CoalescingFrameWriter
    /// Runs the request timers.
    let eventLoop: any EventLoop
    /// Requests written (or about to be) and not yet answered, keyed by request id.
    let pending = WaiterTable<ProducerResponse>()
    /// Holds requests beyond the node's `maxInFlight` until earlier ones are answered.
    let gate: InFlightGate

    init(address: HeraldServerAddress, welcome: ProducerWelcome, channel: any Channel) {
        self.address = address
        self.welcome = welcome
        self.writer = CoalescingFrameWriter(channel: channel)
        let eventLoop = channel.eventLoop
        self.eventLoop = eventLoop
        self.gate = InFlightGate(limit: Int(welcome.maxInFlight))
    }
}
