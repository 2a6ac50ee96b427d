import NIOCore
import Wire

/// What every Herald session of a run shares: the `enqueue` payload after the request id
/// (the encoded envelope), built once by the Wire codec and copied into each request.
struct HeraldShared: Sendable {
    /// The envelope's sender.
    static let mailFrom = "bench@loadgen.example"
    /// The envelope's one recipient.
    static let recipient = "sink@loadgen.example"

    /// The encoded `Envelope` (docs/protocol.md), without the request id.
    let envelope: ByteBuffer
    /// The largest response frame accepted.
    let maxFrameBytes = ProducerLimits.defaultMaxFrameBytes

    /// Encodes the envelope for `message`.
    /// - Parameter message: the RFC 5322 message every request carries.
    /// - Throws: `WireError` when the envelope is outside the protocol's bounds.
    init(message: [UInt8]) throws(WireError) {
        let fields = EnvelopeFields(mailFrom: Self.mailFrom, recipients: [Self.recipient], message: message)
        let frame = try ProducerRequest.enqueue(fields).frame(requestID: ProducerRequestID(1))
        let payload = frame.payload
        envelope = payload.getSlice(at: payload.readerIndex + 8, length: payload.readableBytes - 8)!
    }
}
