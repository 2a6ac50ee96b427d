/// How a `StateStore` opens RocksDB.
public struct StateStoreOptions: Sendable, Hashable {
    /// The applied-index column family, always opened.
    public static let metaFamily = "meta"

    /// Column families to open (created when missing). `default` and `meta` are always added.
    public var columnFamilies: [String]
    /// Column families whose values go to blob files (RocksDB integrated BlobDB): large
    /// values such as message bodies stay out of the LSM tree, so compaction does not
    /// rewrite them.
    public var blobFamilies: Set<String>
    /// Values at least this large go to a blob file (in blob families).
    public var minBlobSize: UInt64
    /// Size of each blob file.
    public var blobFileSize: UInt64
    /// Memtable size per column family.
    public var writeBufferSize: Int
    /// Column families whose keys start with a fixed-length group prefix under which new
    /// keys mostly arrive in order (a queue index keyed by partition, then time), with
    /// that prefix's length. The memtable keeps one insert position per prefix, so such a
    /// key is placed next to the previous one of its group instead of searched for from
    /// the top of the skip list (RocksDB `memtable_insert_with_hint_prefix_extractor`).
    public var insertHintPrefixLengths: [String: Int] = [:]
    /// Column families read only by scans or by keys known to exist: no Bloom filters in
    /// their memtables and tables, which other families use to answer a point read that
    /// misses. Building a filter hashes every key at each insert, flush and compaction.
    public var unfilteredFamilies: Set<String> = []
    /// Column families whose every flushed file overlaps the whole key range (keys that
    /// start with a hash partition, so each flush holds some of every partition), with
    /// how many level-0 files to gather before compacting them into level 1. Each such
    /// compaction rewrites all of level 1, so gathering more files rewrites it less
    /// often; scans merge up to this many more files meanwhile. RocksDB's default is 4;
    /// writes slow down 16 files and stop 32 files above the trigger (20 and 36 for 4).
    public var level0CompactionTriggers: [String: Int] = [:]
    /// Collect RocksDB statistics (`StateStore.statistics()`); costs a little CPU.
    public var enableStatistics: Bool
    /// Write RocksDB's write-ahead log. Off for a store whose every write can be
    /// replayed from elsewhere (Herald's state: the Raft log). Without it, memtables are
    /// flushed atomically across column families, so after a crash the store holds a
    /// consistent earlier state, and `write(_:sync: true)` flushes instead of syncing a log.
    public var writeAheadLog: Bool
    /// Run RocksDB's compactions at the lowest CPU priority (nice 19), so they use the
    /// time the foreground leaves idle instead of taking it from requests. Flushes keep
    /// their priority: writes wait for them when memtables fill.
    /// Process-wide and one-way: the threads belong to RocksDB's default environment,
    /// shared by every store in the process, and are never raised again.
    public var lowPriorityBackgroundWork: Bool
    /// Compact in the background as writes come. Off only for a store opened briefly to
    /// read or copy it (a staged checkpoint), which compacting would just delay.
    public var automaticCompactions = true

    /// Creates options.
    /// - Parameters:
    ///   - columnFamilies: families to open besides `default` and `meta`.
    ///   - blobFamilies: families stored in blob files (default `bodies`).
    ///   - minBlobSize: smallest value moved to a blob file (default 256 bytes).
    ///   - blobFileSize: blob file size (default 256 MiB).
    ///   - writeBufferSize: memtable size (default 64 MiB).
    ///   - enableStatistics: collect statistics (default off).
    ///   - writeAheadLog: keep RocksDB's write-ahead log (default on).
    ///   - lowPriorityBackgroundWork: compact at the lowest CPU priority
    ///     (default on).
    public init(columnFamilies: [String] = ["bodies"], blobFamilies: Set<String> = ["bodies"],
                minBlobSize: UInt64 = 256, blobFileSize: UInt64 = 256 << 20,
                writeBufferSize: Int = 64 << 20, enableStatistics: Bool = false, writeAheadLog: Bool = true,
                lowPriorityBackgroundWork: Bool = true) {
        self.columnFamilies = columnFamilies
        self.blobFamilies = blobFamilies
        self.minBlobSize = minBlobSize
        self.blobFileSize = blobFileSize
        self.writeBufferSize = writeBufferSize
        self.enableStatistics = enableStatistics
        self.writeAheadLog = writeAheadLog
        self.lowPriorityBackgroundWork = lowPriorityBackgroundWork
    }
}
