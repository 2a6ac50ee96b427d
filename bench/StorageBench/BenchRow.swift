/// One measured configuration.
struct BenchRow {
    var label: String
    var records: Int
    var bytes: Int
    var syncs: Int
    var seconds: Double
    /// Share of the wall-clock time the log's writer spent inside fdatasync (nil for raw).
    var syncBusy: Double? = nil
    /// Share of the wall-clock time the log's writer waited for work (nil for raw).
    var writerIdle: Double? = nil
    /// Serial raw MB/s at 4 MiB per fdatasync, measured just before and after this row.
    var adjacentRaw: Double? = nil

    var recordsPerSecond: Double { Double(records) / seconds }
    var megabytesPerSecond: Double { Double(bytes) / seconds / 1_000_000 }
    var syncsPerSecond: Double { Double(syncs) / seconds }
}

extension [BenchRow] {
    func markdown(title: String, physicalLimit: Double) -> String {
        var text = "## \(title)\n\n| configuration | records/s | MB/s | fsyncs/s | records/fsync | % of best serial raw MB/s | % of adjacent raw (4 MiB/fsync) | log thread in fdatasync / idle |\n|---|---:|---:|---:|---:|---:|---:|---:|\n"
        for row in self {
            let perSync = row.syncs > 0 ? Double(row.records) / Double(row.syncs) : 0
            text += "| \(row.label) | \(format(row.recordsPerSecond, 0)) | \(format(row.megabytesPerSecond, 1)) | \(format(row.syncsPerSecond, 0)) | \(format(perSync, 1)) | \(format(100 * row.megabytesPerSecond / physicalLimit, 0))% | \(row.adjacentRaw.map { format(100 * row.megabytesPerSecond / $0, 0) + "% of " + format($0, 0) } ?? "-") | \(row.syncBusy.map { format(100 * $0, 0) + "%" } ?? "~100%") / \(row.writerIdle.map { format(100 * $0, 0) + "%" } ?? "-") |\n"
        }
        return text
    }
}

func format(_ value: Double, _ decimals: Int) -> String {
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let rounded = (value * scale).rounded() / scale
    return decimals == 0 ? String(Int(rounded)) : String(rounded)
}
