// StorageBench: the storage layer's physical limits and what LogStore / StateStore reach.
//
//   swift build -c release --product StorageBench
//   .build/release/StorageBench [--dir /work/bench-tmp] [--seconds 4] [--entries 200000] [--only raw,log,state] [--verbose]
//
// (a) raw sequential pwrite + fdatasync of 1 KiB records in batches (the disk's limit),
// (b) LogStore appends of 1 KiB entries with group commit, N concurrent writers,
// (c) StateStore applying one batch per entry (body in the blob CF + index keys +
//     applied index), with write amplification from /proc/self/io.
import Foundation

let arguments = BenchArguments(CommandLine.arguments)
let root = arguments.directory + "/storagebench-\(getpid())"
try? FileManager.default.removeItem(atPath: root)
try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: root) }

print("# StorageBench")
print("")
print("directory: \(root), seconds per run: \(arguments.seconds), state entries: \(arguments.entries)")
print("")

let raw = arguments.runs("raw") || arguments.runs("log") ? try RawDiskBench(directory: root, seconds: arguments.seconds).run() : []
// The brief's physical limit: the best serial "write a batch, fdatasync it" row. The
// pipelined row (writes overlapping syncs) is shown against it too.
let physicalLimit = raw.filter { !$0.label.contains("pipelined") }.map(\.megabytesPerSecond).max() ?? 1
if arguments.runs("raw") {
    print(raw.markdown(title: "(a) Raw sequential write + fdatasync, 1 KiB records", physicalLimit: physicalLimit))
}
if arguments.runs("log") {
    let log = try await LogStoreBench(directory: root, seconds: arguments.seconds, physicalLimit: physicalLimit).run()
    print(log.markdown(title: "(b) LogStore append, 1 KiB entries, group commit", physicalLimit: physicalLimit))
}
if arguments.runs("state") {
    print(try StateStoreBench(directory: root, entries: arguments.entries, arguments: arguments).run())
}
