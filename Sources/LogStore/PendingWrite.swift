/// A queued write; `durable()` returns once it is on disk.
public struct PendingWrite: Sendable {
    let ticket: DurabilityTicket

    /// Waits until the write is durable.
    /// - Throws: the write's refusal (`.compacted`, `.nonContiguous`) or the disk error
    ///   that stopped the store.
    public func durable() async throws(LogStoreError) {
        try await ticket.wait().get()
    }
}
