import NIOCore
import NIOPosix
import Wire

/// One load-generating connection: it connects (and reconnects) to the endpoints, keeps up
/// to `inflight` requests outstanding through its current `Session`, times out requests
/// that go unanswered, and counts what happened. The same class drives every system, so
/// the three differ only in their sessions.
///
/// Lives on one event loop and is never touched from another; nothing here hops to a task
/// or an actor. New requests are issued when a read burst ends (`readComplete`), when an
/// open-loop request falls due, and after a reconnect, so one flush carries many requests.
///
/// Lifecycle: `start()` connects and arms the end timers; a broken or failed connection
/// fails its in-flight requests (`connection_lost`) and reconnects to the next endpoint
/// after a backoff (20 ms doubling to 500 ms); at the end of the measured window the
/// connection stops issuing, waits for what is in flight (bounded by `giveUpAt`), closes,
/// and fulfils the future `start()` returned.
final class LoadConnection<Session: LoadSession> {
    /// This connection's number: 0..<connections.
    let index: Int
    /// The run's plan.
    let plan: RunPlan
    /// The loop everything runs on.
    let eventLoop: any EventLoop
    private let shared: Session.Shared
    private let progress: ProgressCounters
    private let promise: EventLoopPromise<ConnectionReport>
    private var report = ConnectionReport()
    private var slots: InFlightSlots

    // MARK: Lifecycle state

    private enum Phase { case running, draining, finished }
    private var phase = Phase.running

    /// Where the link to a node stands.
    private enum Link {
        case idle
        case connecting
        case handshaking(Session)
        case ready(Session)
    }
    private var link = Link.idle
    /// Counts connection attempts, so a callback from an abandoned attempt is ignored.
    private var attempt = 0
    private var endpointCursor: Int
    private var backoffNanoseconds = LoadConnection.initialBackoff
    private var hasBeenReady = false
    private var lastFailure = ""
    /// Endpoints left behind since the last ready session because they did not lead.
    private var leaderSearchHops = 0

    private static var initialBackoff: UInt64 { 20_000_000 }
    private static var maximumBackoff: UInt64 { 500_000_000 }
    private static var connectTimeout: TimeAmount { .seconds(1) }
    /// The shortest gap between two open-loop wake-ups; requests that fall due in between
    /// go out together (their latency still counts from their own due time).
    private static var minimumTickNanoseconds: UInt64 { 100_000 }

    // MARK: Timers

    private var wakeTimer: Scheduled<Void>?
    private var wakeAt = UInt64.max
    private var sweepTimer: Scheduled<Void>?
    private var reconnectTimer: Scheduled<Void>?
    private var handshakeTimer: Scheduled<Void>?
    private var endTimers: [Scheduled<Void>] = []

    // MARK: Work

    private let workload: Workload
    private var nextSequence: UInt64 = 0
    /// Open loop: the index of the next request to send on this connection's schedule.
    private var nextScheduledIndex: UInt64 = 0
    /// After a failure nothing new is issued before this time.
    private var pausedUntil: UInt64 = 0
    /// Verification: indices of `items` still to check, and attempts per item.
    private var pendingItems: [Int] = []
    private var attempts: [UInt8] = []
    private let items: [String]
    private static var maximumVerifyAttempts: UInt8 { 10 }
    private static var verifyRetryPause: UInt64 { 200_000_000 }

    private var ackLog: LineBuffer?
    private var recordAcks: LineBuffer?

    /// Creates a connection; nothing happens before `start()`.
    /// - Parameters:
    ///   - index: the connection's number.
    ///   - plan: the run's plan.
    ///   - workload: what to send.
    ///   - shared: the sessions' shared templates.
    ///   - progress: counters the progress printer reads.
    ///   - eventLoop: the loop to live on; the caller MUST be on it.
    init(index: Int, plan: RunPlan, workload: Workload, shared: Session.Shared, progress: ProgressCounters,
         eventLoop: any EventLoop) {
        self.index = index
        self.plan = plan
        self.workload = workload
        self.shared = shared
        self.progress = progress
        self.eventLoop = eventLoop
        self.promise = eventLoop.makePromise(of: ConnectionReport.self)
        self.endpointCursor = index % plan.endpoints.count
        self.ackLog = plan.ackLog.map { LineBuffer(file: $0) }
        self.recordAcks = plan.recordAcks.map { LineBuffer(file: $0) }
        if case .verify(let items) = workload {
            self.items = items
            self.pendingItems = Array(items.indices.reversed())
            self.attempts = Array(repeating: 0, count: items.count)
        } else {
            self.items = []
        }
        self.slots = InFlightSlots(capacity: plan.inflight)
    }

    /// Connects and runs until the plan's end (load) or until every item is checked
    /// (verification). MUST be called on `eventLoop`.
    /// - Returns: the connection's report, when it has finished.
    func start() -> EventLoopFuture<ConnectionReport> {
        let loop = eventLoop.assumeIsolated()
        if case .load = workload {
            endTimers.append(loop.scheduleTask(deadline: Self.deadline(plan.measureEndsAt)) { self.beginDrain() })
        } else if pendingItems.isEmpty {
            finish()
            return promise.futureResult
        }
        endTimers.append(loop.scheduleTask(deadline: Self.deadline(plan.giveUpAt)) { self.finish() })
        scheduleSweep()
        connect()
        return promise.futureResult
    }

    // MARK: - Session callbacks

    /// The session's channel is active; its handshake has begun.
    func sessionActive(_ session: Session) {
        guard phase != .finished, case .connecting = link else {
            session.close()
            return
        }
        link = .handshaking(session)
        let timeout = TimeAmount.nanoseconds(Int64(plan.timeoutNanoseconds))
        handshakeTimer = eventLoop.assumeIsolated().scheduleTask(in: timeout) {
            if case .handshaking(let current) = self.link, current === session {
                self.lastFailure = "handshake timed out"
                session.close()
            }
        }
    }

    /// The session's handshake is done; requests may flow.
    func sessionReady(_ session: Session) {
        guard case .handshaking(let current) = link, current === session else { return }
        handshakeTimer?.cancel()
        handshakeTimer = nil
        link = .ready(session)
        leaderSearchHops = 0
        backoffNanoseconds = Self.initialBackoff
        progress.setConnected(true)
        if hasBeenReady { StandardError.write("connection \(index): reconnected to \(currentEndpoint)") }
        hasBeenReady = true
        pump()
    }

    /// The session's node does not lead (`--follow-leader`): unless every endpoint was
    /// tried since the last ready session, closes it and connects to the next endpoint
    /// at once. Nothing was in flight yet, so nothing fails.
    /// - Returns: false when the caller should use this session after all.
    func seekLeader(leaving session: Session) -> Bool {
        guard plan.followLeader, case .handshaking(let current) = link, current === session,
              leaderSearchHops + 1 < plan.endpoints.count, phase == .running else { return false }
        leaderSearchHops += 1
        link = .idle
        handshakeTimer?.cancel()
        handshakeTimer = nil
        session.close()
        endpointCursor += 1
        connect()
        return true
    }

    /// The session's channel closed: fail what was in flight and reconnect.
    func sessionClosed(_ session: Session) {
        switch link {
        case .handshaking(let current) where current === session, .ready(let current) where current === session:
            break
        default:
            return
        }
        let wasReady: Bool
        if case .ready = link { wasReady = true } else { wasReady = false }
        link = .idle
        handshakeTimer?.cancel()
        handshakeTimer = nil
        progress.setConnected(false)
        guard phase != .finished else { return }
        report.connectionFailures += 1
        if wasReady {
            StandardError.write("connection \(index): lost \(currentEndpoint) with \(slots.active) in flight; reconnecting")
        } else if !hasBeenReady, attempt <= plan.endpoints.count {
            StandardError.write("connection \(index): \(currentEndpoint) closed during the handshake \(lastFailure)")
        }
        failAll(.connectionLost)
        guard phase == .running || isVerifying else {
            finish()
            return
        }
        scheduleReconnect()
    }

    /// One request ended.
    /// - Parameters:
    ///   - token: the token the request was written with.
    ///   - outcome: how it ended.
    func complete(_ token: RequestToken, _ outcome: RequestOutcome) {
        guard let slot = slots.complete(token) else { return }
        let now = Clocks.monotonicNanoseconds()
        let scheduled = slots.scheduledAt[slot]
        let sequence = slots.sequences[slot]
        let measured = plan.isMeasured(scheduled)
        switch outcome {
        case .acked(let term, let record):
            progress.recordAck()
            if measured {
                report.acked += 1
                report.latency.record(now &- scheduled)
            }
            writeAckLines(term: term, record: record, sequence: sequence)
        case .found:
            report.checked += 1
        case .missing:
            report.checked += 1
            report.missing += 1
            if report.missingExamples.count < ConnectionReport.missingExampleLimit {
                report.missingExamples.append(items[Int(sequence)])
            }
        case .failed(let kind):
            progress.recordError()
            // Verification retries the item, so it waits long enough for an election to end.
            pausedUntil = now + (isVerifying ? max(plan.errorPauseNanoseconds, Self.verifyRetryPause) : plan.errorPauseNanoseconds)
            if isVerifying {
                let item = Int(sequence)
                attempts[item] += 1
                if attempts[item] < Self.maximumVerifyAttempts {
                    pendingItems.append(item)
                } else {
                    report.unverified += 1
                }
            } else if measured {
                report.errors += 1
                report.errorKinds[kind.name, default: 0] += 1
            }
        }
        if slots.active == 0 {
            if phase == .draining || (isVerifying && pendingItems.isEmpty) { finish() }
        }
    }

    /// A read burst ended: issue what may be issued now.
    func readComplete() {
        pump()
    }

    // MARK: - Issuing requests

    private var isVerifying: Bool {
        if case .verify = workload { return true }
        return false
    }

    /// Issues as many requests as the workload, the in-flight limit and the schedule
    /// allow, then flushes them in one write.
    private func pump() {
        guard phase == .running, case .ready(let session) = link else { return }
        let now = Clocks.monotonicNanoseconds()
        if now < pausedUntil {
            wake(at: pausedUntil)
            return
        }
        var issued = 0
        switch workload {
        case .load:
            if let schedule = plan.schedule {
                let due = schedule.dueCount(connection: index, elapsed: now &- plan.startAt)
                while nextScheduledIndex < due, slots.hasFreeSlot {
                    let scheduled = plan.startAt + schedule.offset(connection: index, index: nextScheduledIndex)
                    guard scheduled < plan.measureEndsAt else { break }
                    issue(session, scheduled: scheduled, now: now, request: .load(sequence: nextSequence), sequence: nextSequence)
                    nextSequence += 1
                    nextScheduledIndex += 1
                    issued += 1
                }
                if slots.hasFreeSlot {
                    let next = plan.startAt + schedule.offset(connection: index, index: nextScheduledIndex)
                    if next < plan.measureEndsAt { wake(at: max(next, now + Self.minimumTickNanoseconds)) }
                }
            } else {
                guard now < plan.measureEndsAt else { break }
                while slots.hasFreeSlot {
                    issue(session, scheduled: now, now: now, request: .load(sequence: nextSequence), sequence: nextSequence)
                    nextSequence += 1
                    issued += 1
                }
            }
        case .verify:
            while slots.hasFreeSlot, let item = pendingItems.popLast() {
                issue(session, scheduled: now, now: now, request: .verify(item: items[item]), sequence: UInt64(item))
                issued += 1
            }
        }
        if issued > 0 { session.flush() }
    }

    @inline(__always)
    private func issue(_ session: Session, scheduled: UInt64, now: UInt64, request: SessionRequest, sequence: UInt64) {
        let token = slots.issue(scheduled: scheduled, sent: now, sequence: sequence)
        if plan.isMeasured(scheduled) { report.sent += 1 }
        session.write(token: token, request: request)
    }

    /// Arms the wake-up timer for `time` unless it is already armed no later.
    private func wake(at time: UInt64) {
        guard time < wakeAt else { return }
        wakeTimer?.cancel()
        wakeAt = time
        wakeTimer = eventLoop.assumeIsolated().scheduleTask(deadline: Self.deadline(time)) {
            self.wakeAt = UInt64.max
            self.wakeTimer = nil
            self.pump()
        }
    }

    /// Fails requests unanswered for longer than the timeout, every tenth of the timeout
    /// (at most every 100 ms).
    private func scheduleSweep() {
        let period = min(plan.timeoutNanoseconds / 10, 100_000_000)
        sweepTimer = eventLoop.assumeIsolated().scheduleTask(in: .nanoseconds(Int64(max(period, 1_000_000)))) {
            self.sweep()
        }
    }

    private func sweep() {
        guard phase != .finished else { return }
        let now = Clocks.monotonicNanoseconds()
        if slots.active > 0, now > plan.timeoutNanoseconds {
            let expired = slots.tokens(sentAtOrBefore: now - plan.timeoutNanoseconds)
            for token in expired { complete(token, .failed(.timeout)) }
            if !expired.isEmpty { pump() }
        }
        if phase != .finished { scheduleSweep() }
    }

    private func failAll(_ kind: ErrorKind) {
        for token in slots.activeTokens() { complete(token, .failed(kind)) }
    }

    // MARK: - Connecting

    private var currentEndpoint: Endpoint { plan.endpoints[endpointCursor % plan.endpoints.count] }

    private func connect() {
        guard phase != .finished else { return }
        attempt += 1
        let thisAttempt = attempt
        let endpoint = currentEndpoint
        link = .connecting
        lastFailure = ""
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        let shared = self.shared
        ClientBootstrap(group: eventLoop)
            .connectTimeout(Self.connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    _ = try Session.install(on: channel, shared: shared, connection: bound.value)
                }
            }
            .connect(host: endpoint.host, port: endpoint.port)
            .hop(to: eventLoop)
            .assumeIsolated()
            .whenFailure { error in
                self.connectFailed(attempt: thisAttempt, error: error)
            }
    }

    private func connectFailed(attempt failedAttempt: Int, error: any Error) {
        guard failedAttempt == attempt, case .connecting = link else { return }
        link = .idle
        guard phase != .finished else { return }
        report.connectionFailures += 1
        if hasBeenReady == false, failedAttempt <= plan.endpoints.count {
            StandardError.write("connection \(index): cannot connect to \(currentEndpoint): \(error)")
        }
        guard phase == .running || isVerifying else {
            finish()
            return
        }
        scheduleReconnect()
    }

    /// Moves to the next endpoint and connects after the backoff.
    private func scheduleReconnect() {
        endpointCursor += 1
        let delay = backoffNanoseconds
        backoffNanoseconds = min(backoffNanoseconds * 2, Self.maximumBackoff)
        reconnectTimer = eventLoop.assumeIsolated().scheduleTask(in: .nanoseconds(Int64(delay))) {
            self.reconnectTimer = nil
            self.connect()
        }
    }

    // MARK: - Ending

    /// The measured window is over: issue nothing more and wait for what is in flight.
    private func beginDrain() {
        guard phase == .running else { return }
        phase = .draining
        wakeTimer?.cancel()
        wakeTimer = nil
        if let schedule = plan.schedule {
            // Requests due inside the window that never went out: the system (or the
            // in-flight limit) could not keep up with the offered rate.
            let dueBeforeEnd = schedule.dueCount(connection: index, elapsed: plan.measureEndsAt - plan.startAt - 1)
            let dueBeforeWindow = plan.warmupEndsAt > plan.startAt
                ? schedule.dueCount(connection: index, elapsed: plan.warmupEndsAt - plan.startAt - 1) : 0
            let firstUnsent = max(nextScheduledIndex, dueBeforeWindow)
            if dueBeforeEnd > firstUnsent { report.unsent = dueBeforeEnd - firstUnsent }
        }
        if slots.active == 0 { finish() }
        if case .ready = link {} else { finish() }
    }

    /// Stops everything and reports. Safe to call more than once.
    private func finish() {
        guard phase != .finished else { return }
        phase = .finished
        for timer in [wakeTimer, sweepTimer, reconnectTimer, handshakeTimer] + endTimers.map(Optional.some) {
            timer?.cancel()
        }
        if isVerifying { report.unverified += UInt64(pendingItems.count + slots.active) }
        ackLog?.flush()
        recordAcks?.flush()
        let session: Session?
        switch link {
        case .handshaking(let current), .ready(let current): session = current
        case .idle, .connecting: session = nil
        }
        link = .idle
        progress.setConnected(false)
        session?.close()
        promise.succeed(report)
    }

    // MARK: - Records

    private func writeAckLines(term: UInt64, record: AckRecord, sequence: UInt64) {
        if ackLog != nil {
            ackLog!.appendDecimal(Clocks.realtimeNanoseconds())
            ackLog!.append(byte: UInt8(ascii: " "))
            ackLog!.appendDecimal(term)
            ackLog!.endLine()
        }
        guard recordAcks != nil else { return }
        switch record {
        case .messageID(let id):
            recordAcks!.appendHex(id.high)
            recordAcks!.appendHex(id.low)
        case .etcdKey:
            recordAcks!.append(EtcdKey.prefix)
            recordAcks!.appendDecimal(UInt64(index))
            recordAcks!.append(byte: UInt8(ascii: "/"))
            recordAcks!.appendDecimal(sequence)
        case .streamSequence(let streamSequence):
            recordAcks!.appendDecimal(streamSequence)
        }
        recordAcks!.endLine()
    }

    private static func deadline(_ nanoseconds: UInt64) -> NIODeadline {
        .uptimeNanoseconds(nanoseconds)
    }
}
