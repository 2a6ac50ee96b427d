public import RaftCore
import Synchronization

/// Herald's Raft log on disk: segment files of CRC-checked records, group commit,
/// torn-tail recovery, suffix truncation and prefix compaction.
///
/// Files in `directory`:
/// - `segment-<first index, 20 digits>.log`: records (see `RecordCodec`), rolled over
///   at `LogStoreOptions.segmentBytes`;
/// - `hardstate`: term, vote and commit, replaced atomically when term or vote change
///   (commit index changes are records in the segments, synced with the next entries);
/// - `snapshot.meta`: the snapshot the log is compacted to.
///
/// Thread safety: every method may be called from any task. Writes are performed in
/// arrival order, one round at a time, by the writer thread (or by a caller's own
/// thread, `appendOnCallingThread`); reads run on the caller's thread and see every
/// write whose bytes reached the file (possibly just before its fsync completed).
public final class LogStore: Sendable {
    /// The directory holding the files.
    public let directory: String
    /// The options the store was opened with.
    public let options: LogStoreOptions
    /// What recovery found when the store opened; log it.
    public let recoveryReport: RecoveryReport

    let shared: LockedLogState
    private let writer: LogWriter

    /// Opens (or creates) the log in `directory` and recovers it.
    /// - Parameters:
    ///   - directory: the log's directory; created with its parents if missing.
    ///   - options: segment size, compression threshold and record limit.
    /// - Throws: `.corrupt(segment:offset:)` when a sealed segment is damaged,
    ///   `.indexGap` when segments do not join up, `.corruptMetadata` for a damaged
    ///   `hardstate` / `snapshot.meta`, `.io` when the disk fails.
    public init(directory: String, options: LogStoreOptions = LogStoreOptions()) throws(LogStoreError) {
        self.directory = directory
        self.options = options
        let (state, report) = try LogRecovery(directory: directory, options: options).run()
        self.recoveryReport = report
        self.shared = LockedLogState(state)
        self.writer = LogWriter(directory: directory, options: options, shared: shared)
        writer.start()
    }

    deinit {
        writer.queue.push(.close(ticket: DurabilityTicket()))
    }

    // MARK: - Writes

    /// Appends entries and records a hard state, returning once both are durable. A
    /// hard state whose term and vote are unchanged (only the commit index moved) is
    /// written but not synced on its own: it becomes durable with the next entries; a
    /// crash may lose it, which only lowers the commit index found on restart.
    ///
    /// If `entries` starts at or below the last index, everything from its first index on
    /// is replaced (a follower dropping a conflicting suffix, Raft §5.3).
    /// - Parameters:
    ///   - entries: contiguous entries; may be empty.
    ///   - hardState: the hard state to persist with them, if it changed.
    /// - Throws: `.compacted` if the first entry lies inside the snapshot,
    ///   `.nonContiguous` if it would leave a gap, `.io` / `.closed` if the store stopped.
    public func append(_ entries: [Entry], hardState: HardState? = nil) async throws(LogStoreError) {
        try await submit(entries, hardState: hardState).durable()
    }

    /// Queues an append without waiting: the order of `submit` calls is the order on
    /// disk, which lets a caller assign indices under its own lock and wait outside it.
    /// - Parameters:
    ///   - entries: contiguous entries; may be empty.
    ///   - hardState: the hard state to persist with them, if it changed.
    /// - Returns: a handle whose `durable()` returns once the write is on disk.
    public func submit(_ entries: [Entry], hardState: HardState? = nil) -> PendingWrite {
        enqueue(appendWrite(entries, hardState: hardState, ticket: DurabilityTicket()))
    }

    /// Appends entries and records a hard state on the calling thread, returning once
    /// both are durable, unless writes submitted earlier are still queued or being
    /// written (they keep their order on the writer thread): then nothing is done and
    /// the caller submits.
    /// Saves the hand-over to the writer thread and back (two thread wake-ups) for a
    /// caller that waits for each write anyway; the calling thread blocks for the
    /// write and its fsync.
    /// - Parameters:
    ///   - entries: contiguous entries; may be empty.
    ///   - hardState: the hard state to persist with them, if it changed.
    /// - Returns: false when the write was not attempted (writes are queued ahead or a
    ///   round is in progress).
    /// - Throws: as `append`.
    public func appendOnCallingThread(_ entries: [Entry], hardState: HardState? = nil) throws(LogStoreError) -> Bool {
        let ticket = DurabilityTicket()
        guard writer.performOnCallingThread(appendWrite(entries, hardState: hardState, ticket: ticket)) else { return false }
        guard let outcome = ticket.outcome else { preconditionFailure("a round left its write without an outcome") }
        try outcome.get()
        return true
    }

    /// Persists a hard state alone.
    /// - Parameter hardState: term, vote and commit.
    /// - Throws: `.io` / `.closed` if the store stopped.
    public func save(_ hardState: HardState) async throws(LogStoreError) {
        try await enqueue(.append(nil, hardState: hardState, ticket: DurabilityTicket())).durable()
    }

    /// Records `metadata` as the latest snapshot and deletes the whole segments it covers.
    /// If the log holds the snapshot's last entry with the same term, entries after it are
    /// kept; otherwise the whole log is discarded and the next append MUST start at
    /// `metadata.index + 1` (Raft §7).
    /// - Parameter metadata: the snapshot's index, term and membership.
    /// - Throws: `.io` / `.closed` if the store stopped.
    public func compact(through metadata: SnapshotMetadata) async throws(LogStoreError) {
        try await submitCompaction(through: metadata).durable()
    }

    /// Queues `compact(through:)` without waiting: writes submitted later are ordered
    /// after it, and if it fails the store stops, so they fail too.
    /// - Parameter metadata: the snapshot's index, term and membership.
    /// - Returns: a handle whose `durable()` returns once the compaction is on disk.
    public func submitCompaction(through metadata: SnapshotMetadata) -> PendingWrite {
        enqueue(.compact(metadata, ticket: DurabilityTicket()))
    }

    /// Syncs outstanding writes and stops the writer thread; later calls fail with `.closed`.
    public func close() async {
        _ = await enqueue(.close(ticket: DurabilityTicket())).ticket.wait()
    }

    /// The append of `entries` (encoded here, on the caller's thread) and `hardState`.
    private func appendWrite(_ entries: [Entry], hardState: HardState?, ticket: DurabilityTicket) -> LogWrite {
        let encoded = entries.isEmpty ? nil : EncodedEntries(entries, compressionThreshold: options.compressionThreshold)
        return .append(encoded, hardState: hardState, ticket: ticket)
    }

    private func enqueue(_ write: LogWrite) -> PendingWrite {
        if !writer.queue.push(write) { write.ticket.complete(.failure(.closed)) }
        return PendingWrite(ticket: write.ticket)
    }

    // MARK: - Reads

    /// The first index that can be read (the snapshot index + 1 after compaction).
    public var firstIndex: LogIndex { shared.mutex.withLock { $0.firstIndex } }
    /// The last stored index (the snapshot index when the log after it is empty).
    public var lastIndex: LogIndex { shared.mutex.withLock { $0.lastIndex } }
    /// The last hard state written.
    public var hardState: HardState { shared.mutex.withLock { $0.hardState } }
    /// Writer-thread counters (batches, syncs, bytes) since the store opened.
    public var statistics: LogStoreStatistics { writer.statistics }
    /// Whether a zero-filled next segment is ready (false when preallocation is off).
    var spareSegmentReady: Bool { writer.preparer?.isReady ?? false }
    /// Whether the writer thread has ended (after a close, even one after a disk error).
    var writerThreadExited: Bool { writer.exited.load(ordering: .acquiring) }
    /// How many times the writer asked for a next segment to be made ahead.
    var spareSegmentRequests: UInt64 { writer.preparer?.requestCount.load(ordering: .relaxed) ?? 0 }

    /// The snapshot the log is compacted to, if any.
    public var snapshotMetadata: SnapshotMetadata? { shared.mutex.withLock { $0.snapshot } }

    /// The term of the entry at `index` (or of the snapshot's last entry).
    /// - Parameter index: a log index.
    /// - Returns: the entry's term, from memory.
    /// - Throws: `.compacted` or `.unavailable` when `index` is outside the log.
    public func term(at index: LogIndex) throws(LogStoreError) -> Term {
        try shared.mutex.withLock { (state) throws(LogStoreError) -> Term in try state.term(at: index) }
    }

    /// Reads entries `[start, end)`, stopping early once more than `maxBytes` of records
    /// were collected (at least one entry is always returned). Every record's checksum is
    /// verified again: corrupt data is never returned.
    /// - Parameters:
    ///   - start: first index to read.
    ///   - end: one past the last index to read.
    ///   - maxBytes: soft cap on the bytes read.
    /// - Returns: the entries, contiguous from `start`.
    /// - Throws: `.compacted`, `.unavailable`, `.corrupt` or `.io`.
    public func entries(from start: LogIndex, to end: LogIndex, maxBytes: Int = .max) throws(LogStoreError) -> [Entry] {
        guard start < end else { return [] }
        var attempt = 0
        while true {
            let (plan, generation) = try readPlan(from: start, to: end, maxBytes: maxBytes)
            do throws(LogStoreError) {
                return try read(plan)
            } catch {
                // A suffix truncation between planning and reading can make the bytes at a
                // planned offset belong to other entries: plan again rather than call that
                // corruption. Real damage fails the same way on every attempt.
                let raced = shared.mutex.withLock { $0.truncations != generation }
                attempt += 1
                guard raced && attempt < 3 else { throw error }
            }
        }
    }

    private func read(_ plan: [ReadPiece]) throws(LogStoreError) -> [Entry] {
        var result: [Entry] = []
        for piece in plan {
            let bytes = try PosixFile.read(piece.file.descriptor, count: Int(piece.endOffset - piece.startOffset),
                                           at: piece.startOffset, path: piece.file.path)
            guard bytes.count == Int(piece.endOffset - piece.startOffset) else {
                throw .unavailable(requested: piece.firstIndex, lastIndex: lastIndex)
            }
            try decode(bytes, piece: piece, into: &result)
        }
        return result
    }

    /// The durable state a restarting node hands to `RaftCore`.
    /// - Returns: hard state, snapshot metadata and every entry after the snapshot.
    /// - Throws: `.corrupt` or `.io` if reading fails.
    public func recover() throws(LogStoreError) -> RecoveredLog {
        let (first, last, hardState, snapshot) = shared.mutex.withLock { ($0.firstIndex, $0.lastIndex, $0.hardState, $0.snapshot) }
        let entries = last >= first ? try self.entries(from: first, to: last.advanced(by: 1)) : []
        return RecoveredLog(hardState: hardState, snapshot: snapshot, entries: entries)
    }

    private struct ReadPiece {
        let file: SegmentFile
        let startOffset: UInt64
        let endOffset: UInt64
        let firstIndex: LogIndex
        let count: Int
    }

    private func readPlan(from start: LogIndex, to end: LogIndex, maxBytes: Int) throws(LogStoreError) -> ([ReadPiece], UInt64) {
        try shared.mutex.withLock { (state) throws(LogStoreError) -> ([ReadPiece], UInt64) in
            if let failure = state.failure, failure != .closed { throw failure }
            guard start >= state.firstIndex else { throw .compacted(requested: start, firstIndex: state.firstIndex) }
            let lastWanted = LogIndex(end.rawValue - 1)
            guard lastWanted <= state.lastIndex else { throw .unavailable(requested: lastWanted, lastIndex: state.lastIndex) }
            var plan: [ReadPiece] = []
            var index = start
            var budget = 0
            outer: while index < end {
                let segment = state.segments[state.segmentPosition(of: index)]
                let from = Int(index.rawValue - segment.firstIndex.rawValue)
                let until = min(Int(end.rawValue - segment.firstIndex.rawValue), segment.count)
                var upTo = from
                while upTo < until {
                    let size = Int(segment.recordEnd(upTo) - segment.offsets[upTo])
                    if budget + size > maxBytes && (budget > 0) { break }
                    budget += size
                    upTo += 1
                }
                if upTo > from {
                    plan.append(ReadPiece(file: segment.file, startOffset: segment.offsets[from],
                                          endOffset: segment.recordEnd(upTo - 1), firstIndex: index, count: upTo - from))
                }
                if upTo < until { break outer }
                index = segment.firstIndex.advanced(by: UInt64(until))
            }
            return (plan, state.truncations)
        }
    }

    private func decode(_ bytes: [UInt8], piece: ReadPiece, into result: inout [Entry]) throws(LogStoreError) {
        let failure: LogStoreError? = bytes.withUnsafeBytes { raw in
            var offset = 0
            var expected = piece.firstIndex
            var taken = 0
            while offset < raw.count && taken < piece.count {
                guard case .record(let type, let payload) = RecordCodec.parse(raw, at: offset, maxRecordBytes: options.maxRecordBytes) else {
                    return .corrupt(segment: piece.file.name, offset: piece.startOffset + UInt64(offset))
                }
                if type & ~RecordCodec.compressedFlag == RecordCodec.RecordType.entry.rawValue {
                    guard let entry = RecordCodec.decodeEntry(raw, type: type, payload: payload), entry.index == expected else {
                        return .corrupt(segment: piece.file.name, offset: piece.startOffset + UInt64(offset))
                    }
                    result.append(entry)
                    expected = expected.advanced(by: 1)
                    taken += 1
                }
                offset = payload.upperBound
            }
            return taken == piece.count ? nil : .corrupt(segment: piece.file.name, offset: piece.startOffset + UInt64(offset))
        }
        if let failure { throw failure }
    }
}
