// logstore-crash-writer: a victim process for the crash tests.
//
// Usage: logstore-crash-writer <directory> [segment-bytes] [writers]
//
// Opens a LogStore in <directory>, continues the log from its last index and appends
// entries forever from several concurrent writers (so group commit batches them).
// After each append is durable it prints the batch's last index on its own line and
// flushes stdout. The payload of entry i is `CrashPayload.bytes(for: i)`, so a test
// can check every durable entry after SIGKILL without talking to this process.
import Glibc
import LogStore
import RaftCore
import Synchronization

/// Writes a line straight to a file descriptor: no stdio buffer can hide it at SIGKILL.
func writeLine(_ text: String, to descriptor: Int32) {
    let line = Array((text + "\n").utf8)
    line.withUnsafeBytes { _ = write(descriptor, $0.baseAddress, $0.count) }
}

func report(_ index: UInt64) { writeLine(String(index), to: 1) }

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    writeLine("usage: logstore-crash-writer <directory> [segment-bytes] [writers]", to: 2)
    exit(2)
}
let segmentBytes = arguments.count > 2 ? Int(arguments[2]) ?? 65_536 : 65_536
let writers = arguments.count > 3 ? Int(arguments[3]) ?? 4 : 4

let store: LogStore
do {
    store = try LogStore(directory: arguments[1],
                         options: LogStoreOptions(segmentBytes: segmentBytes, compressionThreshold: 1024))
} catch {
    writeLine("open failed: \(error)", to: 2)
    exit(1)
}
writeLine("\(store.recoveryReport)", to: 2)

/// Next index to hand out; assigning and submitting under one lock keeps disk order = index order.
let nextIndex = Mutex(store.lastIndex.rawValue + 1)


await withTaskGroup(of: Void.self) { group in
    for writer in 0..<writers {
        group.addTask {
            var counter = UInt64(writer)
            while true {
                counter &+= 1
                let count = Int(counter % 7) + 1
                let (pending, last) = nextIndex.withLock { next -> (PendingWrite, UInt64) in
                    let entries = (0..<UInt64(count)).map { k in
                        Entry(term: Term((next + k) / 1000 + 1), index: LogIndex(next + k),
                              data: CrashPayload.bytes(for: next + k))
                    }
                    next += UInt64(count)
                    return (store.submit(entries), next - 1)
                }
                do {
                    try await pending.durable()
                } catch {
                    writeLine("append failed: \(error)", to: 2)
                    exit(1)
                }
                report(last)
            }
        }
    }
}
