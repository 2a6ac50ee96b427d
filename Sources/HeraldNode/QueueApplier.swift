public import QueueModel
public import RaftCore
public import StateStore
import Synchronization

/// The queue's state machine on one node: decodes committed queue commands, applies
/// them with `QueueStateMachine` and writes every resulting mutation, the state digest
/// and the applied index in ONE RocksDB batch, so a restart never applies an entry
/// twice or skips one.
///
/// State writes are not fsynced: the Raft log is the durable record, and on restart
/// the entries above the stored applied index are applied again from it.
public final class QueueApplier: CommittedEntryApplier {
    /// What applying one committed command produced, with where it sits in the log.
    public struct Applied: Sendable, Equatable {
        /// The entry's term.
        public var term: Term
        /// The entry's index.
        public var index: LogIndex
        /// What the command did.
        public var outcome: CommandOutcome
    }

    /// The state store, replaced when a snapshot from the leader is installed.
    let store: StateStoreHandle
    private let machine: QueueStateMachine
    /// The applied index and digest; written by the Raft loop, read by status requests.
    private let progress: Mutex<(applied: LogIndex, digest: StateDigest)>
    /// Keys the applied state certainly lacks; follows the store (used by the Raft loop).
    private let absentKeys: Mutex<AbsentKeyFilter>

    /// The column families the queue needs. No RocksDB write-ahead log: every write is
    /// replayed from the Raft log after a crash, which is compacted only up to a
    /// snapshot, and a snapshot flushes the memtables first.
    public static let storeOptions: StateStoreOptions = {
        var options = StateStoreOptions(columnFamilies: Family.allCases.map(\.rawValue),
                                        blobFamilies: [Family.bodies.rawValue],
                                        writeBufferSize: 16 << 20, writeAheadLog: false)
        // NB: every node applies the same entries, so all three fill their memtables
        // and flush together; a 64 MiB flush (bodies compressed into blob files) took
        // the CPUs from the foreground at once. At 10k msg/s offered (1 KiB, three
        // 30 s runs each) p99 was 127-172 ms with 64 MiB and 79-103 ms with 16 MiB, at
        // the same throughput and CPU at saturation; 8 and 4 MiB were no better.
        options.insertHintPrefixLengths = [Family.queue.rawValue: QueueKey.partitionByteCount]
        options.unfilteredFamilies = [Family.queue.rawValue, Family.bodies.rawValue]
        // NB: queue keys start with their partition, so every flush overlaps all of level
        // 1 and each compaction rewrote all of it, 7 % of a node's CPU at saturation. At
        // 16 files instead of 4: +7 % msg/s and -9 % CPU per message (45 s runs, 1 KiB).
        options.level0CompactionTriggers = [Family.queue.rawValue: 16]
        return options
    }()

    /// Opens the applier over `store`, reading the applied index and digest it holds.
    /// - Throws: when the stored digest cannot be read.
    public init(store: StateStore, config: QueueModelConfig = QueueModelConfig()) throws {
        self.store = StateStoreHandle(store)
        self.machine = QueueStateMachine(config: config)
        self.progress = Mutex(try Self.readProgress(of: store))
        self.absentKeys = Mutex(try AbsentKeyFilter(store: store))
    }

    private static func readProgress(of store: StateStore) throws -> (applied: LogIndex, digest: StateDigest) {
        (try store.appliedIndex(), try StateDigest.load(from: StateStoreReader(store: store)))
    }

    /// The index of the last entry applied.
    public var appliedIndex: LogIndex { progress.withLock { $0.applied } }

    /// The digest of the replicated state at `appliedIndex`.
    public var digest: StateDigest { progress.withLock { $0.digest } }

    /// Runs a query against the applied state.
    func read<T>(_ body: (StateStoreReader) throws -> T) rethrows -> T {
        try store.withStore { try body(StateStoreReader(store: $0)) }
    }

    /// Replaces the state with a snapshot: releases the store, lets `install` swap in
    /// the snapshot's directory and open it, then reads the applied index and digest of
    /// whichever store is open afterwards.
    /// - Parameters:
    ///   - install: swaps the directory and opens the installed store.
    ///   - reopen: opens the state directory again if `install` fails: the old state if
    ///     the failure came before the swap, the new one if it came after.
    /// - Throws: what `install` threw, or a read error.
    func replaceState(install: () throws -> StateStore, reopen: () throws -> StateStore) throws {
        var failure: (any Error)?
        do {
            try store.replace(install: install, reopen: reopen)
        } catch {
            failure = error
        }
        // NB: also after a failure: one that comes after the swap (the new store does not
        // open at first, or the old directory cannot be removed) leaves `reopen` opening
        // the NEW state, and the progress of the old one would make the loop apply
        // entries on top of it again.
        if store.isOpen {
            let fresh = try store.withStore { try Self.readProgress(of: $0) }
            progress.withLock { $0 = fresh }
            try absentKeys.withLock { absent in absent = try store.withStore { try AbsentKeyFilter(store: $0) } }
        }
        if let failure { throw failure }
    }

    /// Applies committed entries; see `CommittedEntryApplier.apply(_:)`.
    public func apply(_ entries: [Entry]) throws -> [LogIndex: Applied] {
        let (applied, digest) = progress.withLock { ($0.applied, $0.digest) }
        let fresh = entries.filter { $0.index > applied }
        guard let last = fresh.last else { return [:] }
        let commands = fresh.filter { $0.kind == .command }
            .map { CommittedCommand(index: AppliedIndex($0.index.rawValue), bytes: $0.data) }
        let result = try absentKeys.withLock { absent in try store.withStore { store in
            let reader = StateStoreReader(store: store, absent: absent)
            let result = try machine.applyBatch(commands, reader: reader, digest: digest)
            var batch = WriteBatch()
            // NB: in key order each memtable insert follows the previous one, which RocksDB
            // does without searching its skip list from the top. In commit order the queue
            // index (keyed by partition first) and ids proposed slightly out of order made
            // those searches the largest cost of applying an enqueue.
            for mutation in result.mutations.inKeyOrder() {
                switch mutation {
                case .put(let family, let key, let value): batch.put(value, for: key, in: family.rawValue)
                case .delete(let family, let key): batch.delete(key, in: family.rawValue)
                }
            }
            try store.apply(batch: batch, appliedIndex: last.index)
            try absent.noteWritten(result.mutations, to: store)
            return result
        } }
        progress.withLock { $0 = (last.index, result.digest) }

        // `entries` are consecutive, so an index finds its entry by offset.
        let firstIndex = fresh[0].index.rawValue
        var outcomes: [LogIndex: Applied] = [:]
        outcomes.reserveCapacity(result.outcomes.count)
        for applied in result.outcomes {
            let index = LogIndex(applied.index.rawValue)
            let offset = Int(applied.index.rawValue &- firstIndex)
            let term = fresh.indices.contains(offset) && fresh[offset].index == index ? fresh[offset].term : .zero
            outcomes[index] = Applied(term: term, index: index, outcome: applied.outcome)
        }
        return outcomes
    }
}
