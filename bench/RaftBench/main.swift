// RaftBench: three in-process RaftCore nodes, no I/O, messages pumped in memory.
// Measures entries committed per second at the leader and heap allocations per entry.
//
// Run: swift build -c release --product RaftBench && .build/release/RaftBench
import RaftBenchSupport
import RaftCore

/// Three cores wired back to back. Each round: every node's Readies are handled in
/// the documented order (messages, "persist" = nothing, messagesAfterPersist, apply,
/// advance), then every message on the wire is delivered.
struct Pump {
    var nodes: [RaftCore]
    var wire: [PeerMessage] = []
    var spare: [PeerMessage] = []
    var committedAtLeader = 0
    var messages = 0
    var readyTime: Duration = .zero
    var stepTime: Duration = .zero
    let clock = ContinuousClock()

    init(payloadBytes: Int) {
        let membership = Membership(voters: [NodeID(1), NodeID(2), NodeID(3)])
        nodes = (1...3).map { id in
            let config = RaftConfig(id: NodeID(UInt64(id)), maxMessageBytes: 1 << 20, maxInflightMessages: 256,
                                    maxInflightBytes: 64 << 20, maxUncommittedBytes: 256 << 20)
            return RaftCore(config: config, restoring: RestoredState(initialMembership: membership), seed: UInt64(id))
        }
        nodes[0].campaign()
        while nodes[0].role != .leader || nodes[0].commitIndex == .zero { pump() }
        pump()
        committedAtLeader = 0
        messages = 0
    }

    mutating func pump() {
        let t0 = clock.now
        for k in nodes.indices {
            while let ready = nodes[k].takeReady() {
                wire.append(contentsOf: ready.messages)
                wire.append(contentsOf: ready.messagesAfterPersist)
                if k == 0 { committedAtLeader += ready.committedEntries.count }
                nodes[k].advance(ready)
            }
        }
        let t1 = clock.now
        swap(&wire, &spare)
        messages += spare.count
        for message in spare { nodes[Int(message.to.rawValue) - 1].step(message) }
        spare.removeAll(keepingCapacity: true)
        let t2 = clock.now
        readyTime += t1 - t0
        stepTime += t2 - t1
    }

    /// Compacts every node at its applied index (keeps memory bounded like a real node).
    mutating func compactAll() {
        for k in nodes.indices {
            let index = nodes[k].appliedIndex
            guard index > nodes[k].snapshotIndex, let metadata = nodes[k].snapshotMetadata(at: index) else { continue }
            nodes[k].compact(to: Snapshot(metadata: metadata, data: []))
        }
    }
}

struct Result {
    var payload: Int, batch: Int, fresh: Bool, entries: Int
    var seconds: Double, allocsPerEntry: Double, messagesPerEntry: Double
    var proposeShare: Double, readyShare: Double, stepShare: Double
    var heapBytesAfter: Int
}

func seconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
}

/// - Parameter fresh: give every proposal its own payload buffer (as a shell that
///   decodes each command from the network would) instead of sharing one.
func run(payloadBytes: Int, batch: Int, fresh: Bool = false, entries total: Int) -> Result {
    var pump = Pump(payloadBytes: payloadBytes)
    let payload = [UInt8](repeating: 0xAB, count: payloadBytes)
    let clock = ContinuousClock()
    var proposeTime: Duration = .zero
    var proposed = 0
    var sinceCompaction = 0
    let allocsBefore = bench_malloc_calls()
    let start = clock.now
    while pump.committedAtLeader < total {
        let t0 = clock.now
        var n = 0
        while n < batch && proposed < total {
            do {
                if fresh {
                    var own = payload
                    own[0] = UInt8(truncatingIfNeeded: proposed) // forces a private copy
                    _ = try pump.nodes[0].propose(own)
                } else {
                    _ = try pump.nodes[0].propose(payload)
                }
            } catch {
                break // overloaded: let the pump drain
            }
            proposed += 1
            n += 1
        }
        proposeTime += clock.now - t0
        pump.pump()
        sinceCompaction += n
        if sinceCompaction >= 65_536 {
            pump.compactAll()
            sinceCompaction = 0
        }
    }
    let elapsed = clock.now - start
    let allocs = bench_malloc_calls() - allocsBefore
    let total = seconds(elapsed)
    return Result(payload: payloadBytes, batch: batch, fresh: fresh, entries: pump.committedAtLeader, seconds: total,
                  allocsPerEntry: Double(allocs) / Double(pump.committedAtLeader),
                  messagesPerEntry: Double(pump.messages) / Double(pump.committedAtLeader),
                  proposeShare: seconds(proposeTime) / total, readyShare: seconds(pump.readyTime) / total,
                  stepShare: seconds(pump.stepTime) / total, heapBytesAfter: Int(bench_heap_in_use()))
}

/// `x` with `digits` decimals (integer arithmetic: the bench links no libm).
func fmt(_ x: Double, _ digits: Int) -> String {
    var scale = 1
    for _ in 0..<digits { scale *= 10 }
    let scaled = Int(x * Double(scale) + 0.5)
    guard digits > 0 else { return "\(scaled)" }
    var fraction = "\(scaled % scale)"
    while fraction.count < digits { fraction = "0" + fraction }
    return "\(scaled / scale).\(fraction)"
}

let arguments = CommandLine.arguments
let entries = arguments.count > 1 ? Int(arguments[1]) ?? 1_000_000 : 1_000_000
var results: [Result] = []
for payload in [128, 1024] {
    for batch in [64, 256, 1024] {
        _ = run(payloadBytes: payload, batch: batch, entries: 20_000) // warm up
        results.append(run(payloadBytes: payload, batch: batch, entries: entries))
    }
    results.append(run(payloadBytes: payload, batch: 256, fresh: true, entries: entries))
}
print("| payload | batch | payload buffers | entries | seconds | entries/s | MiB/s | allocs/entry | msgs/entry | propose | takeReady+advance | step | heap in use after |")
print("|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for r in results {
    let rate = Double(r.entries) / r.seconds
    let mib = rate * Double(r.payload) / (1024 * 1024)
    print("| \(r.payload) B | \(r.batch) | \(r.fresh ? "one per entry" : "shared") | \(r.entries) | \(fmt(r.seconds, 3)) | \(Int(rate)) | \(fmt(mib, 1)) | \(fmt(r.allocsPerEntry, 2)) | \(fmt(r.messagesPerEntry, 3)) | \(Int(r.proposeShare * 100))% | \(Int(r.readyShare * 100))% | \(Int(r.stepShare * 100))% | \(r.heapBytesAfter / 1024) KiB |")
}
