import ArgumentParser
import Wire

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `herald-loadgen`: drives Herald, etcd or NATS JetStream with the same connections,
/// in-flight limits and payload bytes, and reports throughput and latency.
@main
struct LoadGenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "herald-loadgen",
        abstract: "Load generator for Herald, etcd and NATS JetStream, with identical client machinery.",
        discussion: """
            Closed loop (no --rate): every connection keeps --inflight requests outstanding.
            Open loop (--rate): requests are due at fixed intervals and latency counts from the due time.
            Requests are counted when scheduled inside [warmup, warmup + duration).
            """)

    @Option(help: "The system under load: herald, etcd or nats.")
    var system: SystemKind

    @Option(help: "host:port,host:port,...; connection i starts on endpoint i % n.")
    var endpoints: String

    @Option(help: "Connections.")
    var connections = 4

    @Option(help: "Requests outstanding per connection, at most (HTTP/2 streams for etcd).")
    var inflight = 16

    @Option(help: "Message bytes per request (a valid RFC 5322 message of exactly this size).")
    var payload = 1024

    @Option(help: "Measured seconds.")
    var duration: Double = 10

    @Option(help: "Seconds of load before measuring.")
    var warmup: Double = 2

    @Option(help: "Open loop: total messages per second over all connections. Omit for a closed loop.")
    var rate: Double?

    @Option(help: "Event loop threads (at most one per core).")
    var threads = 1

    @Option(help: "Seconds before an unanswered request fails with 'timeout' (also the handshake timeout).")
    var timeout: Double = 5

    @Option(help: "Milliseconds a connection pauses issuing after a failed request.")
    var errorPauseMs: Double = 10

    @Flag(help: "Print one JSON object on standard output at the end.")
    var json = false

    @Option(help: "Write '<CLOCK_REALTIME ns> <term>' per acknowledgement to this file.")
    var ackLog: String?

    @Option(help: "Write each acknowledged item (Herald message id, etcd key, NATS stream sequence) to this file.")
    var recordAcks: String?

    @Option(help: "Instead of loading, check that every item in this file (from --record-acks) exists (herald, etcd).")
    var verifyAcks: String?

    @Option(help: "Hard limit on the whole run in seconds (default: warmup + duration + timeout + 30; 600 for --verify-acks).")
    var maxRuntime: Double?

    @Flag(help: "nats: delete and recreate the JetStream stream BENCH (subjects bench.>, file storage) first. With --duration 0 only that.")
    var natsCreateStream = false

    @Option(help: "nats: replicas of the stream --nats-create-stream creates.")
    var natsReplicas = 3

    @Option(help: "Seconds between progress lines on standard error; 0 for none.")
    var progress: Double = 1

    @Flag(help: "herald: connect to the leader when a node's welcome names another node as leader (as HeraldClient does), instead of staying on the first node and letting it forward.")
    var followLeader = false

    func validate() throws {
        guard Endpoint.parseList(endpoints) != nil else { throw ValidationError("--endpoints: expected host:port[,host:port...]") }
        guard connections >= 1 else { throw ValidationError("--connections must be at least 1") }
        guard (1...1_000_000).contains(inflight) else { throw ValidationError("--inflight must be in 1...1000000") }
        guard payload >= MessagePayload.minimumBytes else {
            throw ValidationError("--payload must be at least \(MessagePayload.minimumBytes) bytes")
        }
        guard duration >= 0, warmup >= 0, timeout > 0, errorPauseMs >= 0, progress >= 0 else {
            throw ValidationError("durations must not be negative (and --timeout must be positive)")
        }
        if let rate { guard rate > 0 else { throw ValidationError("--rate must be positive") } }
        guard (1...64).contains(threads) else { throw ValidationError("--threads must be in 1...64") }
        if verifyAcks != nil, !system.canVerify { throw ValidationError("--verify-acks supports herald and etcd") }
        if natsCreateStream, system != .nats { throw ValidationError("--nats-create-stream needs --system nats") }
        if followLeader, system != .herald { throw ValidationError("--follow-leader needs --system herald") }
        guard (1...5).contains(natsReplicas) else { throw ValidationError("--nats-replicas must be in 1...5") }
        if let maxRuntime, verifyAcks == nil, maxRuntime <= warmup + duration {
            throw ValidationError("--max-runtime must exceed --warmup + --duration")
        }
    }

    func run() async throws {
        signal(SIGPIPE, SIG_IGN)
        let endpoints = Endpoint.parseList(endpoints)!
        let runtime = maxRuntime ?? (verifyAcks != nil ? 600 : warmup + duration + timeout + 30)
        // The last resort: whatever happens, the process ends a little after --max-runtime.
        alarm(UInt32(runtime.rounded(.up)) + 10)

        if natsCreateStream {
            try await NATSStreamSetup.recreateStream(at: endpoints[0], replicas: natsReplicas, deadline: min(runtime, 60))
            if duration == 0 { return }
        }

        let start = Clocks.monotonicNanoseconds()
        let second = 1e9
        let measureEndsAt = start + UInt64((warmup + duration) * second)
        let timeoutNanoseconds = UInt64(timeout * second)
        let giveUpAt = start + UInt64(runtime * second)
        let plan = RunPlan(
            system: system, endpoints: endpoints, connections: connections, inflight: inflight,
            timeoutNanoseconds: timeoutNanoseconds, errorPauseNanoseconds: UInt64(errorPauseMs * 1e6),
            startAt: start, warmupEndsAt: start + UInt64(warmup * second), measureEndsAt: measureEndsAt,
            giveUpAt: verifyAcks != nil ? giveUpAt : min(giveUpAt, measureEndsAt + timeoutNanoseconds + UInt64(second)),
            schedule: verifyAcks == nil ? rate.map { OpenLoopSchedule(totalRate: $0, connections: connections) } : nil,
            ackLog: try ackLog.map { try OutputFile(creating: $0) },
            recordAcks: try recordAcks.map { try OutputFile(creating: $0) }, followLeader: followLeader)
        let runner = LoadRunner(plan: plan, threads: threads, progressInterval: progress)

        if let verifyAcks {
            let items = try Self.readItems(verifyAcks, system: system)
            let shares = (0..<connections).map { connection in
                Workload.verify(items: Array(stride(from: connection, to: items.count, by: connections).map { items[$0] }))
            }
            let counts = try await run(runner: runner, workloads: shares)
            let report = VerifyReport(counts: counts)
            print(report.json)
            if report.exitStatus != 0 { throw ExitCode(report.exitStatus) }
            return
        }

        let counts = try await run(runner: runner, workloads: Array(repeating: .load, count: connections))
        let report = RunReport(system: system, payload: payload, connections: connections, inflight: inflight,
                               rate: rate, duration: duration, counts: counts)
        print(json ? report.json : report.text)
    }

    /// Runs the workloads with the session type of `--system`.
    private func run(runner: LoadRunner, workloads: [Workload]) async throws -> ConnectionReport {
        let message = MessagePayload.message(bytes: payload)
        switch system {
        case .herald:
            return try await runner.run(HeraldSession.self, shared: try HeraldShared(message: message), workloads: workloads)
        case .etcd:
            return try await runner.run(EtcdSession.self, shared: EtcdShared(message: message), workloads: workloads)
        case .nats:
            return try await runner.run(NATSSession.self, shared: NATSShared(message: message), workloads: workloads)
        }
    }

    /// Reads a `--record-acks` file: one item per line, blank lines skipped.
    /// - Throws: `LoadGenError.io` when the file cannot be read or a Herald id is not 32 hex digits.
    private static func readItems(_ path: String, system: SystemKind) throws -> [String] {
        guard let file = fopen(path, "r") else { throw LoadGenError.io("cannot read \(path)") }
        defer { fclose(file) }
        var items: [String] = []
        var line: UnsafeMutablePointer<CChar>? = nil
        var capacity = 0
        defer { free(line) }
        while getline(&line, &capacity, file) > 0, let line {
            var item = String(cString: line)
            while let last = item.last, last == "\n" || last == "\r" || last == " " { item.removeLast() }
            guard !item.isEmpty else { continue }
            if system == .herald, WireMessageID(hex: item) == nil {
                throw LoadGenError.io("\(path): '\(item.prefix(40))' is not a 32-hex-digit message id")
            }
            items.append(item)
        }
        return items
    }
}
