/// Tunables of a `LogStore`.
public struct LogStoreOptions: Sendable, Hashable {
    /// A segment is sealed and a new one started once it holds at least this many bytes.
    public var segmentBytes: Int
    /// Entry payloads of at least this many bytes are LZ4-compressed (when that saves space).
    public var compressionThreshold: Int
    /// Largest accepted record; a length field above it is treated as damage.
    public var maxRecordBytes: Int
    /// Whether new segments start as zero-filled files made ahead of time by a
    /// background thread (`fdatasync` then never has to record a new file size).
    public var preallocateSegments: Bool

    /// The largest entry data a record can hold (`maxRecordBytes` less the entry header);
    /// a Raft core that accepts larger proposals would ship entries every store refuses.
    public var maxEntryDataBytes: Int { maxRecordBytes - RecordCodec.entryHeaderSize }

    /// Creates options.
    /// - Parameters:
    ///   - segmentBytes: roll-over size of a segment (default 64 MiB).
    ///   - compressionThreshold: smallest payload that is compressed (default 4 KiB).
    ///   - maxRecordBytes: largest accepted record (default 64 MiB).
    ///   - preallocateSegments: make each next segment ahead of time, zero-filled (default on).
    public init(segmentBytes: Int = 64 << 20, compressionThreshold: Int = 4096, maxRecordBytes: Int = 64 << 20,
                preallocateSegments: Bool = true) {
        precondition(segmentBytes > 0 && maxRecordBytes > 0)
        self.segmentBytes = segmentBytes
        self.compressionThreshold = compressionThreshold
        self.maxRecordBytes = maxRecordBytes
        self.preallocateSegments = preallocateSegments
    }
}
