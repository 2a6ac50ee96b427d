// MARK: - Log-friendly description

extension QueueCommand: CustomStringConvertible {
    /// One line for logs, without message bytes or addresses' full lists, e.g.
    /// `enqueue 0123…cdef (3 recipients, 2048 bytes) at 1700000000000ms`.
    public var description: String {
        switch action {
        case .enqueue(let request):
            "enqueue \(request.messageID) (\(request.recipients.count) recipients, \(request.message.count) bytes)"
                + " at \(timestamp)"
        case .cancel(let messageID):
            "cancel \(messageID) at \(timestamp)"
        case .suppress(let entry):
            "suppress \(entry.address) (\(entry.reason)) at \(timestamp)"
        case .unsuppress(let address):
            "unsuppress \(address) at \(timestamp)"
        case .expireIdempotencyKeys(let before, let limit):
            "expireIdempotencyKeys before \(before) limit \(limit) at \(timestamp)"
        }
    }
}
