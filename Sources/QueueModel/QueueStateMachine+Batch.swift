// MARK: - Applying a batch of committed entries

extension QueueStateMachine {
    /// Decodes and applies committed entries in log order against one overlay, so each
    /// sees the ones before it, and folds each into the digest.
    ///
    /// Entries whose index is not above `digest.index` were applied before (the shell
    /// replays committed entries after a restart) and are skipped: that is what makes
    /// apply exactly-once. Entries whose bytes are malformed are applied as a no-op with
    /// outcome `.rejected(.malformedCommand)`, identically on every node.
    /// - Parameters:
    ///   - entries: committed queue commands, in increasing index order (Raft no-ops and
    ///     configuration entries are not queue commands and are left out by the shell).
    ///   - reader: the store as of `digest`.
    ///   - digest: the stored digest (`StateDigest.load(from:)`).
    /// - Returns: the mutations to write atomically, the outcomes, and the new digest.
    /// - Throws: `BatchApplyError`; the node MUST stop.
    public func applyBatch(_ entries: [CommittedCommand], reader: some QueueStateReader, digest: StateDigest)
        throws(BatchApplyError) -> BatchResult
    {
        // An enqueue writes about four keys (record, body, queue entry, and the meta record once).
        var overlay = MutationOverlay(base: reader, expectedMutations: 4 * entries.count)
        var outcomes: [AppliedOutcome] = []
        var current = digest
        for entry in entries where entry.index > current.index {
            let outcome: CommandOutcome
            let command: QueueCommand
            do {
                command = try QueueCommand(decoding: entry.bytes)
            } catch {
                switch error {
                case .unsupportedVersion, .unknownCommand, .reservedCommand:
                    throw .needsNewerVersion(index: entry.index, error)
                case .empty, .truncated, .invalidValue, .trailingBytes:
                    break
                }
                current = current.advanced(index: entry.index, commandBytes: entry.bytes)
                outcomes.append(AppliedOutcome(index: entry.index, outcome: .rejected(.malformedCommand(error))))
                continue
            }
            do {
                let result = try apply(command, index: entry.index, reader: overlay)
                overlay.record(result.mutations)
                outcome = result.outcome
            } catch {
                throw .corruptState(error)
            }
            current = current.advanced(index: entry.index, commandBytes: entry.bytes)
            outcomes.append(AppliedOutcome(index: entry.index, outcome: outcome))
        }
        guard current != digest else {
            return BatchResult(mutations: [], outcomes: [], digest: digest)
        }
        overlay.record([current.metaMutation])
        return BatchResult(mutations: overlay.mutations, outcomes: outcomes, digest: current)
    }
}
