import Dispatch
import Foundation
import HeraldConfig
import Logging
import RaftCore
import ServiceLifecycle
import StateStore
import Synchronization

/// The node's `SnapshotStorage`: snapshots of the queue's RocksDB state kept in
/// `node-<id>/snapshots/`, taken by the Raft loop, served to followers over the admin
/// endpoint, and fetched from the leader (or any other member) when this node falls
/// behind the leader's log.
final class NodeSnapshots: SnapshotStorage {
    /// The bytes the core carries for every Herald snapshot: the state is on disk.
    static let descriptorBytes = Array("herald-snapshot/1".utf8)

    let keeper: SnapshotKeeper
    private let applier: QueueApplier
    private let stateDirectory: String
    private let intentPath: String
    private let sources: [NodeID: Endpoint]
    private let logger: Logger
    /// Where the next snapshot stands.
    private enum Phase {
        /// Nothing started.
        case idle
        /// The memtables are being flushed in the background, so that the checkpoint's
        /// own flush has little left to write.
        case flushing
        /// The state is being checkpointed off the loop.
        case checkpointing
        /// The checkpoint is finished and waits for the loop to name it.
        case checkpointed(partial: String, index: LogIndex)
        /// The checkpoint failed; the loop stops the node.
        case failed(any Error)
        /// The last checkpoint is being sealed off the loop (`seal(at:)`).
        case sealing
        /// The snapshot is sealed and durable; the loop may compact its log to it.
        case sealed(SnapshotMetadata)
        /// Sealing failed (logged); the loop leaves its log as it is.
        case sealFailed
    }

    private let phase = Mutex(Phase.idle)
    /// Whether the `snapshot-replaced-once` failpoint has fired.
    private let replacementInjected = Atomic(false)
    private let sealQueue = DispatchQueue(label: "herald.snapshot-seal")
    /// Snapshots installed from another member since the node started.
    let installs = Atomic<UInt64>(0)
    /// Attempts to fetch a snapshot from a member that failed (each is retried).
    let fetchFailures = Atomic<UInt64>(0)
    /// How long an install keeps trying the members before the node gives up.
    private let installDeadline: Duration

    /// - Parameters:
    ///   - nodeDirectory: the node's data directory (`node-<id>`).
    ///   - applier: the state machine whose store is snapshotted and replaced.
    ///   - sources: every other member's admin endpoint.
    ///   - installDeadline: how long to keep trying to fetch a snapshot.
    init(nodeDirectory: String, applier: QueueApplier, sources: [NodeID: Endpoint], logger: Logger,
         installDeadline: Duration = .seconds(120)) throws {
        self.keeper = try SnapshotKeeper(directory: nodeDirectory + "/snapshots")
        self.applier = applier
        self.stateDirectory = nodeDirectory + "/state"
        self.intentPath = nodeDirectory + "/snapshot-install"
        self.sources = sources
        self.logger = logger
        self.installDeadline = installDeadline
    }

    func descriptor(restoring metadata: SnapshotMetadata) throws -> [UInt8]? {
        if keeper.find(index: metadata.index, term: metadata.term) != nil { return Self.descriptorBytes }
        guard applier.appliedIndex == metadata.index else { return nil }
        let partial = try keeper.checkpoint(applier.store, at: metadata)
        _ = try keeper.seal(partial, metadata: metadata)
        return Self.descriptorBytes
    }

    /// At most this many memtable entries (about a third as many messages) are left for
    /// the checkpoint to flush.
    static let checkpointFlushEntries = 10_000

    func prepare() throws -> SnapshotStep {
        switch phase.withLock({ $0 }) {
        case .checkpointing, .sealing:
            return .waiting
        case .checkpointed(_, let index):
            return .checkpointed(index)
        case .sealed(let metadata):
            phase.withLock { $0 = .idle }
            return .sealed(metadata, descriptor: Self.descriptorBytes)
        case .sealFailed:
            phase.withLock { $0 = .idle }
            return .abandoned
        case .failed(let error):
            phase.withLock { $0 = .idle }
            throw error
        case .idle:
            try applier.store.withStore { try $0.startFlush() }
            phase.withLock { $0 = .flushing }
            return .waiting
        case .flushing:
            // NB: writes go on during a flush; flush again until little is left, so the
            // checkpoint's own flush is small. A checkpoint that flushes a whole memtable
            // writes tens of MB at once, and the Raft log's fsyncs queue behind such bursts
            // (a first version without this step showed p99 200-330 ms at 10k msg/s
            // against 110-170 ms, two runs each on a noisy machine).
            let flushed = try applier.store.withStore { store in
                if store.isFlushPending { return false }
                guard store.unflushedEntries <= Self.checkpointFlushEntries else {
                    try store.startFlush()
                    return false
                }
                return true
            }
            guard flushed else { return .waiting }
            // NB: the checkpoint flushes the memtables and waits for it. Taken in the loop,
            // that stalled every node 30-320 ms each ~100k entries (the flush threads run at
            // the lowest priority, and all nodes snapshot at about the same index), and a
            // stall near the election timeout starts a needless election. Taken here, the
            // loop goes on applying; the checkpoint holds the state after some later batch,
            // whose index it reads back.
            phase.withLock { $0 = .checkpointing }
            sealQueue.async { [self] in
                let started = ContinuousClock.now
                do {
                    let (partial, index) = try applier.store.withStoreForLongWork { try keeper.checkpointWhileApplying($0) }
                    logger.debug("state checkpointed", metadata: [
                        "index": "\(index)", "ms": "\(Int((ContinuousClock.now - started).seconds * 1000))",
                    ])
                    phase.withLock { $0 = .checkpointed(partial: partial, index: index) }
                } catch {
                    phase.withLock { $0 = .failed(error) }
                }
            }
            return .waiting
        }
    }

    func seal(at metadata: SnapshotMetadata) {
        guard case .checkpointed(let partial, let index) = phase.withLock({ $0 }), index == metadata.index else {
            preconditionFailure("seal(at:) needs the checkpoint prepare() reported, at its index")
        }
        phase.withLock { $0 = .sealing }
        sealQueue.async { [self] in
            do {
                if Failpoint.isArmed("snapshot-seal-fails") {
                    throw SnapshotSealFailure(index: metadata.index, reason: "failpoint snapshot-seal-fails")
                }
                let sealed = try keeper.seal(partial, metadata: metadata)
                logger.info("snapshot taken", metadata: [
                    "index": "\(metadata.index)", "term": "\(metadata.term)",
                    "files": "\(sealed.manifest.files.count)", "bytes": "\(sealed.manifest.totalBytes)",
                ])
                phase.withLock { $0 = .sealed(metadata) }
            } catch {
                // NB: the log is compacted only to a sealed snapshot, so nothing is lost
                // here: the log stays longer and the next interval tries again. Compacted
                // first, a failed seal left followers asking for a snapshot nobody kept.
                try? FileManager.default.removeItem(atPath: partial)
                logger.error("snapshot could not be sealed; the log is kept until the next one",
                             metadata: ["index": "\(metadata.index)", "error": "\(error)"])
                phase.withLock { $0 = .sealFailed }
            }
        }
    }

    func discardCheckpoint() {
        phase.withLock { phase in
            if case .checkpointed(let partial, _) = phase {
                try? FileManager.default.removeItem(atPath: partial)
                phase = .idle
            }
        }
    }

    /// Waits until no checkpoint or seal runs off the loop, then drops a finished
    /// checkpoint (before an install, it holds the state about to be replaced) and the
    /// outcome of a seal (a sealed snapshot stays kept, but the loop rebuilds its state
    /// from the install).
    private func settleCheckpoint() async {
        while isRunningOffLoop {
            // NB: also when cancelled (at shutdown): a checkpoint or seal takes well under
            // a second, and one cut short by the process's exit is redone after a restart.
            try? await Task.sleep(for: .milliseconds(5))
        }
        discardCheckpoint()
        phase.withLock { phase in
            switch phase {
            case .sealed, .sealFailed: phase = .idle
            default: break
            }
        }
    }

    private var isRunningOffLoop: Bool {
        switch phase.withLock({ $0 }) {
        case .checkpointing, .sealing: true
        default: false
        }
    }

    func finishBackgroundWork() async {
        await settleCheckpoint()
    }

    func install(_ snapshot: Snapshot, leader: NodeID?) async throws {
        let metadata = snapshot.metadata
        guard snapshot.data == Self.descriptorBytes else {
            throw SnapshotInstallFailure(index: metadata.index, reason: "the leader's snapshot is not a Herald state snapshot")
        }
        let order = (leader.map { [$0] } ?? []) + sources.keys.sorted().filter { $0 != leader }
        let deadline = ContinuousClock.now + installDeadline
        var lastError = "no other member to fetch from"
        logger.info("installing snapshot from the leader", metadata: ["index": "\(metadata.index)", "term": "\(metadata.term)"])
        await settleCheckpoint()
        // NB: a fixed second between rounds cost that second whenever the leader was
        // still sealing the snapshot it had just sent (404 from every member at first).
        var backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(2))
        while ContinuousClock.now < deadline {
            for id in order {
                // NB: without this, SIGTERM went unanswered until the install deadline
                // (2 minutes) while no member could serve the snapshot.
                guard !Task.isShuttingDownGracefully else { throw CancellationError() }
                guard let source = sources[id] else { continue }
                do {
                    if Failpoint.isArmed("snapshot-fetch-fails") {
                        throw SnapshotInstallFailure(index: metadata.index, reason: "failpoint snapshot-fetch-fails")
                    }
                    if Failpoint.isArmed("snapshot-replaced-once"), !replacementInjected.exchange(true, ordering: .relaxed) {
                        logger.notice("failpoint snapshot-replaced-once")
                        throw SnapshotFetcher.SnapshotReplaced(source: source)
                    }
                    let installer = try await SnapshotFetcher().stage(metadata, from: source, stateDirectory: stateDirectory)
                    // NB: before the store is released: verifying re-reads every file, and
                    // readers of the state (status, message lookups) wait while it is out.
                    try installer.verify(options: QueueApplier.storeOptions)
                    try writeIntent(metadata)
                    do {
                        try applier.replaceState(
                            install: { try installer.finish(options: QueueApplier.storeOptions) },
                            reopen: { [stateDirectory] in try StateStore(path: stateDirectory, options: QueueApplier.storeOptions) })
                    } catch where applier.appliedIndex == metadata.index {
                        // NB: the swap happened and the store reopened at the snapshot (a
                        // cleanup step failed): fetching the whole state again gains nothing.
                        logger.warning("snapshot swapped in, then a step failed; going on with it",
                                       metadata: ["index": "\(metadata.index)", "error": "\(error)"])
                    }
                    Failpoint.crashIfSet("after-snapshot-swap")
                    // Keep it, so this node can serve it when it leads.
                    let partial = try keeper.checkpoint(applier.store, at: metadata)
                    _ = try keeper.seal(partial, metadata: metadata)
                    installs.add(1, ordering: .relaxed)
                    logger.info("snapshot installed", metadata: [
                        "index": "\(metadata.index)", "from": "\(id)", "bytes": "\(installer.manifest.totalBytes)",
                    ])
                    return
                } catch let replaced as SnapshotFetcher.SnapshotReplaced where id == leader {
                    // NB: the leader has moved on to a newer snapshot (this one went while
                    // the node was busy, or before it asked); retrying it ran into the
                    // install deadline and stopped the node.
                    logger.notice("the leader no longer keeps the snapshot; waiting for its current one",
                                  metadata: ["index": "\(metadata.index)", "from": "\(id)"])
                    throw SnapshotSuperseded(index: metadata.index, reason: "\(replaced)")
                } catch {
                    lastError = "node \(id): \(error)"
                    fetchFailures.add(1, ordering: .relaxed)
                    logger.warning("snapshot fetch failed", metadata: ["from": "\(id)", "error": "\(error)"])
                }
            }
            try await Task.sleep(for: backoff.next())
        }
        throw SnapshotInstallFailure(index: metadata.index, reason: lastError)
    }

    func interruptedInstall() -> SnapshotMetadata? {
        guard let bytes = FileManager.default.contents(atPath: intentPath) else { return nil }
        return (try? SnapshotManifest(decoding: Array(bytes)))?.metadata
    }

    func finishInstall() throws {
        if FileManager.default.fileExists(atPath: intentPath) { try FileManager.default.removeItem(atPath: intentPath) }
    }

    private func writeIntent(_ metadata: SnapshotMetadata) throws {
        try DurableFiles.replace(intentPath, with: SnapshotManifest(metadata: metadata, files: [], totalChecksum: 0).encoded())
    }

    /// Serves part of a kept snapshot to a follower.
    func bytes(for request: SnapshotBytesRequest) -> SnapshotBytesAnswer {
        switch request {
        case .manifest(let index, let term):
            guard let snapshot = keeper.find(index: index, term: term) else { return keeper.absence(of: index) }
            keeper.noteServed(index: index, term: term)
            return .bytes(snapshot.manifest.encoded())
        case .file(let index, let term, let file, let offset, let length):
            guard let snapshot = keeper.find(index: index, term: term) else { return keeper.absence(of: index) }
            guard snapshot.manifest.files.indices.contains(file) else { return .notKept }
            guard offset <= snapshot.manifest.files[file].size else { return .outOfRange }
            // NB: a snapshot pruned between `find` and here is gone for good (410 when a
            // newer one replaced it), not merely missing.
            guard let handle = FileHandle(forReadingAtPath: snapshot.directory + "/" + snapshot.manifest.files[file].path)
            else { return keeper.absence(of: index) }
            keeper.noteServed(index: index, term: term)
            defer { try? handle.close() }
            do {
                try handle.seek(toOffset: offset)
                return .bytes(Array(try handle.read(upToCount: length) ?? Data()))
            } catch {
                return keeper.absence(of: index)
            }
        }
    }
}

/// The leader replaced the snapshot it asked this node to install before the node
/// could fetch it; the Raft loop starts over from its log, and the leader sends its
/// current snapshot.
struct SnapshotSuperseded: Error, CustomStringConvertible {
    var index: LogIndex
    var reason: String
    var description: String { "the leader's snapshot at index \(index.rawValue) was replaced: \(reason)" }
}

/// A checkpoint could not be sealed (only injected by a failpoint; real failures are
/// the keeper's I/O errors).
struct SnapshotSealFailure: Error, CustomStringConvertible {
    var index: LogIndex
    var reason: String
    var description: String { "cannot seal the snapshot at index \(index.rawValue): \(reason)" }
}

/// A snapshot from the leader could not be installed.
struct SnapshotInstallFailure: Error, CustomStringConvertible {
    var index: LogIndex
    var reason: String
    var description: String { "cannot install the leader's snapshot at index \(index.rawValue): \(reason)" }
}
