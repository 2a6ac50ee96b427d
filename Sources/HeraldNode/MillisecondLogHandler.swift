#if canImport(Glibc)
import Glibc
#endif
public import Logging

/// Writes log lines to standard error in the shape of swift-log's `StreamLogHandler`
/// (`time level label: key=value … [source] message`), but stamped in UTC to the
/// millisecond: a failover or a snapshot happens within a second, and one-second stamps
/// could not tell its steps apart across nodes.
public struct MillisecondLogHandler: LogHandler {
    /// The logger's label.
    public let label: String
    /// Messages below this level are dropped.
    public var logLevel: Logger.Level = .info
    /// Metadata attached to every line of this logger.
    public var metadata: Logger.Metadata = [:]
    /// Adds metadata taken from the task context to every line.
    public var metadataProvider: Logger.MetadataProvider?

    /// Creates a handler for a logger.
    /// - Parameter label: the logger's label.
    public init(label: String) {
        self.label = label
    }

    /// One metadata value of this logger.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Formats and writes one line with a single `write(2)`, so lines from several
    /// threads never interleave.
    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let explicit = event.metadata { merged.merge(explicit) { _, new in new } }
        if let error = event.error { merged["error"] = "\(error)" }
        var text = Self.line(at: Self.now(), level: event.level, label: label, metadata: merged, source: event.source,
                             message: event.message.description)
        text.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = Glibc.write(2, bytes.baseAddress! + offset, bytes.count - offset)
                guard written > 0 else { return }
                offset += written
            }
        }
    }

    /// The text of one line, ending in a newline.
    /// - Parameters:
    ///   - time: seconds and nanoseconds since the epoch.
    ///   - level: the line's level.
    ///   - label: the logger's label.
    ///   - metadata: printed as `key=value`, sorted by key.
    ///   - source: the emitting module.
    ///   - message: the message.
    static func line(at time: timespec, level: Logger.Level, label: String, metadata: Logger.Metadata,
                     source: String, message: String) -> String {
        let pairs = metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        let fields = pairs.isEmpty ? "" : " " + pairs
        return "\(timestamp(time)) \(level) \(label):\(fields) [\(source)] \(message)\n"
    }

    /// `2026-11-30T01:43:58.123Z`.
    static func timestamp(_ time: timespec) -> String {
        var seconds = time.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let milliseconds = Int(time.tv_nsec) / 1_000_000
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let millis = milliseconds < 10 ? "00\(milliseconds)" : milliseconds < 100 ? "0\(milliseconds)" : "\(milliseconds)"
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T"
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)).\(millis)Z"
    }

    private static func now() -> timespec {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return time
    }
}
