// MARK: - Applying a batch of committed entries

/// One committed queue command as the log holds it.
public struct CommittedCommand: Hashable, Sendable {
    /// The entry's log index.
    public var index: AppliedIndex
    /// The entry's payload: an encoded `QueueCommand`.
    public var bytes: [UInt8]

    /// Creates a committed command.
    /// - Parameters:
    ///   - index: the entry's log index.
    ///   - bytes: the encoded command.
    public init(index: AppliedIndex, bytes: [UInt8]) {
        self.index = index
        self.bytes = bytes
    }
}

/// The outcome of one entry of a batch.
public struct AppliedOutcome: Hashable, Sendable {
    /// The entry's log index.
    public var index: AppliedIndex
    /// What the command did.
    public var outcome: CommandOutcome

    /// Creates an applied outcome.
    /// - Parameters:
    ///   - index: the entry's log index.
    ///   - outcome: what it did.
    public init(index: AppliedIndex, outcome: CommandOutcome) {
        self.index = index
        self.outcome = outcome
    }
}

/// Everything a batch of committed entries asks for.
public struct BatchResult: Equatable, Sendable {
    /// The writes of every applied entry, in order, ending with the digest's `meta`
    /// record. The shell MUST write them in ONE atomic batch before it answers any
    /// proposer. Empty if every entry was already applied.
    public var mutations: [StateMutation]
    /// One outcome per newly applied entry, in log order.
    public var outcomes: [AppliedOutcome]
    /// The digest after the batch; its index is the new applied index.
    public var digest: StateDigest

    /// Creates a batch result.
    /// - Parameters:
    ///   - mutations: the writes, ending with the `meta` record.
    ///   - outcomes: the outcomes in log order.
    ///   - digest: the digest after the batch.
    public init(mutations: [StateMutation], outcomes: [AppliedOutcome], digest: StateDigest) {
        self.mutations = mutations
        self.outcomes = outcomes
        self.digest = digest
    }
}

/// Why a batch could not be applied. Both cases MUST stop the node (STYLE §5: never
/// limp on): applying past them would make this node's state diverge.
public enum BatchApplyError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The entry at `index` was written by a newer version of Herald (unknown version
    /// or command tag): this node must be upgraded before it can go on.
    case needsNewerVersion(index: AppliedIndex, ByteDecodingError)
    /// A stored record is corrupt.
    case corruptState(CorruptStateError)

    /// A sentence for the log.
    public var description: String {
        switch self {
        case .needsNewerVersion(let index, let error):
            "entry \(index) needs a newer Herald: \(error)"
        case .corruptState(let error):
            "\(error)"
        }
    }
}

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
        var overlay = MutationOverlay(base: reader)
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
