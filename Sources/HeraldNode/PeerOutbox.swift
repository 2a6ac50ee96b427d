import NIOCore
import RaftCore
import Synchronization
import Wire

/// The Raft messages waiting to go to one peer, and the connection they go out on.
///
/// `send` may be called from any thread (the Raft loop). Batches queued while a write
/// is pending go out together in one event-loop turn: encoded on the event loop into
/// one buffer, written with one flush. While there is no connection, or the socket's
/// buffer is above its high-water mark, batches wait here; beyond `capacity` the
/// oldest are dropped (Raft resends from each follower's progress).
final class PeerOutbox: Sendable {
    private struct State {
        var channel: (any Channel)?
        var queued: [[PeerMessage]] = []
        /// A write of `queued` is scheduled on the channel's event loop.
        var scheduled = false
        var dropped: UInt64 = 0
    }

    private let state = Mutex(State())
    private let capacity: Int
    private let targetFrameBytes: Int

    /// - Parameters:
    ///   - capacity: batches kept while they cannot be written.
    ///   - targetFrameBytes: frames are cut near this size.
    init(capacity: Int = 4096, targetFrameBytes: Int) {
        self.capacity = capacity
        self.targetFrameBytes = targetFrameBytes
    }

    /// Batches dropped because too many were waiting.
    var droppedBatches: UInt64 { state.withLock { $0.dropped } }

    /// Queues `batch`; it is written as soon as a connection can take it. Never blocks.
    func send(_ batch: [PeerMessage]) {
        let channel = state.withLock { state -> (any Channel)? in
            state.queued.append(batch)
            if state.queued.count > capacity {
                let excess = state.queued.count - capacity
                state.queued.removeFirst(excess)
                state.dropped += UInt64(excess)
            }
            return Self.claimWrite(&state)
        }
        if let channel { scheduleWrite(on: channel) }
    }

    /// Makes `channel` (welcomed by the peer; its pipeline encodes with
    /// `MessageToByteHandler<FrameEncoder>`) the connection batches go out on, and
    /// writes what waited for it.
    func attach(_ channel: any Channel) {
        let claimed = state.withLock { state -> (any Channel)? in
            state.channel = channel
            state.scheduled = false
            return Self.claimWrite(&state)
        }
        if let claimed { scheduleWrite(on: claimed) }
    }

    /// Forgets `channel` (closed); batches wait for the next connection.
    func detach(_ channel: any Channel) {
        state.withLock { state in
            guard state.channel === channel else { return }
            state.channel = nil
            state.scheduled = false
        }
    }

    /// Writes what waited once the socket drained below its low-water mark.
    func writabilityChanged(on channel: any Channel) {
        guard channel.isWritable else { return }
        let claimed = state.withLock { state -> (any Channel)? in
            guard state.channel === channel else { return nil }
            return Self.claimWrite(&state)
        }
        if let claimed { scheduleWrite(on: claimed) }
    }

    /// The channel to write on when something is queued, a connection exists and no
    /// write is scheduled yet (marking it scheduled).
    private static func claimWrite(_ state: inout State) -> (any Channel)? {
        guard !state.queued.isEmpty, !state.scheduled, let channel = state.channel else { return nil }
        state.scheduled = true
        return channel
    }

    private func scheduleWrite(on channel: any Channel) {
        channel.eventLoop.execute { self.writeQueued(on: channel) }
    }

    /// On `channel`'s event loop: encodes every queued batch into one buffer and writes
    /// it past the frame encoder, with one flush.
    private func writeQueued(on channel: any Channel) {
        let writable = channel.isWritable
        let batches = state.withLock { state -> [[PeerMessage]] in
            guard state.channel === channel else { return [] }
            state.scheduled = false
            guard writable else { return [] }  // `writabilityChanged` writes them
            defer { state.queued.removeAll(keepingCapacity: true) }
            return state.queued
        }
        guard !batches.isEmpty,
              let encoder = try? channel.pipeline.syncOperations.context(handlerType: MessageToByteHandler<FrameEncoder>.self)
        else { return }
        var burst = channel.allocator.buffer(capacity: batches.reduce(0) { total, batch in
            batch.reduce(total) { $0 + $1.payloadBytes }
        })
        for batch in batches {
            for group in PeerTransport.frameGroups(batch, targetBytes: targetFrameBytes) {
                Self.appendFrame(of: group, to: &burst)
            }
        }
        encoder.writeAndFlush(NIOAny(burst), promise: nil)
    }

    /// Appends one `raftMessages` frame holding `messages` (length, kind, payload).
    private static func appendFrame(of messages: [PeerMessage], to buffer: inout ByteBuffer) {
        let lengthAt = buffer.writerIndex
        buffer.writeInteger(UInt32(0))
        buffer.writeInteger(PeerFrameKind.raftMessages.rawValue)
        PeerMessageCodec.encode(messages, into: &buffer)
        buffer.setInteger(UInt32(buffer.writerIndex - lengthAt - 4), at: lengthAt)
    }
}

extension PeerOutbox {
    /// Tells the outbox when its connection's socket can take writes again.
    final class WritabilityWatcher: ChannelInboundHandler {
        typealias InboundIn = Any

        private let outbox: PeerOutbox

        init(outbox: PeerOutbox) {
            self.outbox = outbox
        }

        func channelWritabilityChanged(context: ChannelHandlerContext) {
            outbox.writabilityChanged(on: context.channel)
            context.fireChannelWritabilityChanged()
        }
    }
}

@available(*, unavailable)
extension PeerOutbox.WritabilityWatcher: Sendable {}
