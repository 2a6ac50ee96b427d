public import Logging
public import LogStore
public import RaftCore
public import ServiceLifecycle
import Synchronization

/// The one owner of a node's `RaftCore`. A single loop takes every queued input
/// (ticks, peer messages, proposals), steps the core, then works through each
/// `Ready` in the order its documentation demands:
/// send `messages` → persist entries and hard state (one fsync) → send
/// `messagesAfterPersist` → apply committed entries → answer proposers → `advance`.
///
/// Nothing else touches the core, so no two Ready cycles ever interleave.
public final class RaftService<Applier: CommittedEntryApplier>: Service, Sendable {
    /// One input to the loop.
    enum Input: Sendable {
        case tick
        case messages([PeerMessage])
        case unreachable(NodeID)
        case propose([UInt8], CheckedContinuation<Applier.Outcome, any Error>)
    }

    private let config: RaftConfig
    private let tickInterval: Duration
    private let initialMembership: Membership
    private let log: LogStore
    private let applier: Applier
    private let logger: Logger
    private let seed: UInt64
    private let inbox = RaftInbox<Input>()
    /// The core's state after the latest loop iteration, for status readers.
    private let published: Mutex<RaftStatus>
    /// Set once the transport exists (it needs `receive` as its delivery callback).
    private let outbound: @Sendable ([PeerMessage]) -> Void

    /// Creates the service; it restores the core from `log` in `run()`.
    /// - Parameters:
    ///   - config: the core's tunables.
    ///   - tickInterval: wall time per Raft tick.
    ///   - initialMembership: the voters of a brand-new cluster.
    ///   - log: the durable Raft log.
    ///   - applier: the replicated state machine.
    ///   - seed: the core's PRNG seed (random in production).
    ///   - logger: where to log.
    ///   - send: hands messages to the peer transport.
    public init(config: RaftConfig, tickInterval: Duration, initialMembership: Membership, log: LogStore,
                applier: Applier, seed: UInt64, logger: Logger, send: @escaping @Sendable ([PeerMessage]) -> Void) {
        self.config = config
        self.tickInterval = tickInterval
        self.initialMembership = initialMembership
        self.log = log
        self.applier = applier
        self.seed = seed
        self.logger = logger
        self.outbound = send
        self.published = Mutex(RaftStatus(id: config.id, role: .follower, term: .zero, leader: nil, commitIndex: .zero,
                                          appliedIndex: applier.appliedIndex, lastIndex: .zero,
                                          membership: initialMembership))
    }

    // MARK: - Inputs (callable from any task)

    /// Hands messages from a peer to the loop.
    public func receive(_ messages: [PeerMessage]) { inbox.post(.messages(messages)) }

    /// Tells the loop a peer could not be reached.
    public func reportUnreachable(_ peer: NodeID) { inbox.post(.unreachable(peer)) }

    /// Proposes a command and waits until it is committed and applied on this node.
    /// - Returns: what applying it produced.
    /// - Throws: `ProposeFailure`.
    public func propose(_ command: [UInt8]) async throws -> Applier.Outcome {
        try await withCheckedThrowingContinuation { continuation in
            if !inbox.post(.propose(command, continuation)) {
                continuation.resume(throwing: ProposeFailure.shuttingDown)
            }
        }
    }

    /// This node's Raft state as of the loop's latest iteration.
    public func status() async -> RaftStatus {
        published.withLock { $0 }
    }

    // MARK: - The loop

    /// Runs the loop and its tick timer until graceful shutdown.
    public func run() async throws {
        var restored = try log.recover().restoredState(initialMembership: initialMembership)
        restored.applied = applier.appliedIndex
        var core = RaftCore(config: config, restoring: restored, seed: seed)
        logger.info("raft restored", metadata: [
            "term": "\(core.term)", "commit": "\(core.commitIndex)", "last": "\(core.lastIndex)",
            "applied": "\(applier.appliedIndex)",
        ])
        var waiters = ProposalWaiters<Applier.Outcome>()
        publish(core)
        var fatal: (any Error)?
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { [inbox, tickInterval] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: tickInterval)
                    inbox.post(.tick)
                }
            }
            await withGracefulShutdownHandler {
                var wakeups = inbox.wakeups.makeAsyncIterator()
                while true {
                    let inputs = inbox.drain()
                    if inputs.isEmpty {
                        guard await wakeups.next() != nil else { break }
                        continue
                    }
                    for input in inputs { handle(input, core: &core, waiters: &waiters) }
                    do {
                        try await processReadies(core: &core, waiters: &waiters)
                    } catch {
                        logger.critical("cannot go on; stopping the node", metadata: ["error": "\(error)"])
                        fatal = error
                        inbox.close()
                        break
                    }
                    publish(core)
                }
            } onGracefulShutdown: { [inbox] in
                inbox.close()
            }
            waiters.failAll(.shuttingDown)
            for input in inbox.drain() { Self.reject(input) }
            group.cancelAll()
        }
        await log.close()
        if let fatal { throw fatal }
    }

    private func publish(_ core: RaftCore) {
        let status = Self.status(of: core, applied: applier.appliedIndex)
        published.withLock { $0 = status }
    }

    private func handle(_ input: Input, core: inout RaftCore, waiters: inout ProposalWaiters<Applier.Outcome>) {
        switch input {
        case .tick:
            core.tick()
        case .messages(let messages):
            for message in messages { core.step(message) }
        case .unreachable(let peer):
            core.reportUnreachable(peer)
        case .propose(let command, let continuation):
            do {
                let position = try core.propose(command)
                waiters.add(term: position.term, index: position.index, continuation)
            } catch {
                continuation.resume(throwing: ProposeFailure.refused(error))
            }
        }
    }

    private func processReadies(core: inout RaftCore, waiters: inout ProposalWaiters<Applier.Outcome>) async throws {
        while let ready = core.takeReady() {
            outbound(ready.messages)
            if let snapshot = ready.snapshot {
                // TODO(#5): install the state-store checkpoint a snapshot carries. Until
                // then a node that needs one stops rather than run with state that does
                // not match its log (nodes compact nothing yet, so only a node whose
                // data was lost in a cluster restored from a backup can get here).
                throw SnapshotInstallUnsupported(index: snapshot.metadata.index)
            }
            if !ready.entries.isEmpty || ready.hardState != nil {
                try await log.append(ready.entries, hardState: ready.hardState)
            }
            outbound(ready.messagesAfterPersist)
            if !ready.committedEntries.isEmpty {
                let outcomes = try applier.apply(ready.committedEntries)
                for entry in ready.committedEntries {
                    waiters.resolve(entry: entry, outcome: outcomes[entry.index])
                }
            }
            if let soft = ready.softState {
                logger.info("raft role changed", metadata: ["role": "\(soft.role.rawValue)", "leader": "\(soft.leader.map { "\($0)" } ?? "none")", "term": "\(core.term)"])
                if soft.role != .leader { waiters.failAllOutcomeUnknown() }
            }
            core.advance(ready)
        }
    }

    private static func reject(_ input: Input) {
        switch input {
        case .propose(_, let continuation): continuation.resume(throwing: ProposeFailure.shuttingDown)
        case .tick, .messages, .unreachable: break
        }
    }

    private static func status(of core: RaftCore, applied: LogIndex) -> RaftStatus {
        RaftStatus(id: core.id, role: core.role, term: core.term, leader: core.leader, commitIndex: core.commitIndex,
                   appliedIndex: applied, lastIndex: core.lastIndex, membership: core.membership)
    }
}

/// A leader sent this node a snapshot, which the node cannot install yet.
struct SnapshotInstallUnsupported: Error, CustomStringConvertible {
    var index: LogIndex
    var description: String {
        "the leader sent a snapshot at index \(index.rawValue), which this version cannot install; "
            + "seed this node with `herald backup restore` from a recent backup instead"
    }
}
