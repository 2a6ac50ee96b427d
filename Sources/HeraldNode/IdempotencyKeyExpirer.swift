import Logging
import QueueModel
import RaftCore
import ServiceLifecycle

/// Forgets idempotency keys once their window is over, so the `idempotency` family does
/// not grow for ever: while this node leads, it proposes `expireIdempotencyKeys(before:
/// now - window)` every `interval`, again at once while a batch reports more, each batch
/// at most `batchLimit` keys (one atomic write on every node). Apply never forgets a key
/// inside the window as of the command's own timestamp, whatever `before` says.
struct IdempotencyKeyExpirer: Service {
    let raft: RaftService<QueueApplier>
    /// The window, in milliseconds (the state machine's `idempotencyWindow`).
    let windowMilliseconds: UInt64
    /// Time between rounds: a tenth of the window, from a second up to a minute, so a
    /// key is gone soon after its window ends without proposing needlessly often.
    let interval: Duration
    /// Keys per command.
    var batchLimit: UInt32 = 1_000
    let logger: Logger

    init(raft: RaftService<QueueApplier>, windowMilliseconds: UInt64, logger: Logger) {
        self.raft = raft
        self.windowMilliseconds = windowMilliseconds
        self.interval = min(max(.milliseconds(Int(windowMilliseconds / 10)), .seconds(1)), .seconds(60))
        self.logger = logger
    }

    func run() async throws {
        while !Task.isShuttingDownGracefully {
            guard (try? await cancelWhenGracefulShutdown({ try await Task.sleep(for: interval) })) != nil else { return }
            guard raft.currentStatus.role == .leader else { continue }
            await expireRound()
        }
    }

    /// Proposes batches until one reports no more expired keys (or one fails: the next
    /// round tries again).
    private func expireRound() async {
        var total = 0
        while !Task.isShuttingDownGracefully {
            let now = Timestamp.now()
            let command = QueueCommand.expireIdempotencyKeys(before: now.subtracting(milliseconds: windowMilliseconds),
                                                             limit: batchLimit, at: now)
            do {
                let applied = try await raft.propose(command.encoded())
                guard case .idempotencyKeysExpired(let count, let more) = applied.outcome else { break }
                total += count
                if !more { break }
            } catch {
                logger.debug("idempotency key expiry postponed", metadata: ["error": "\(error)"])
                break
            }
        }
        if total > 0 { logger.info("idempotency keys expired", metadata: ["count": "\(total)"]) }
    }
}
