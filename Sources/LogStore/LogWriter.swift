import RaftCore
import Synchronization

/// The thread behind a `LogStore`: group commit lives here.
///
/// A *round* touches the segment files: one at a time (`roundLock`), usually on the
/// writer thread, or on a caller's thread (`performOnCallingThread`) when nothing is
/// queued ahead of the caller's write. The writer thread takes every queued write,
/// performs them in order (coalescing the bytes of all appends into one `pwrite` per
/// segment), calls `fdatasync` once per touched segment, fsyncs the directory if files
/// were created or deleted, and completes the batch's tickets.
/// Writes queued during that round form the next batch, so N concurrent writers share
/// each fsync.
///
/// NB: writing and syncing used to run on two threads, so that batch k+1 was written
/// while batch k was synced. Herald's one writer, the Raft loop, waits for each write to
/// be durable before it submits the next, so nothing overlapped, and the hand-over cost a
/// thread wake-up per round on every node. On one thread: at 10k msg/s offered (1 KiB,
/// three alternated 15 s runs) 1.33 -> 1.27 CPU s per 10k messages, p99 24 -> 18 ms; the
/// same throughput at saturation. The cost: with very many concurrent writers the two
/// threads did pipeline (StorageBench, 64 writers x 16 entries in flight: 1.02-1.06M
/// records/s on two threads, 0.73-0.78M on one; at 1 to 16 writers one thread is as
/// fast or faster). Bring the syncer back if the log ever gets such writers.
///
/// Ordering within a round: a sealed segment is synced before the next one is created,
/// and a suffix cut is synced before new records overwrite it.
///
/// NB: `@unchecked Sendable` is sound because every `var` below is touched only inside
/// a round, with `roundLock` held; otherwise threads touch only `queue` (locked),
/// `shared` (a Mutex), the atomic counters and the immutable `directory`.
final class LogWriter: @unchecked Sendable {
    let queue = WorkQueue<LogWrite>()
    /// Held for each round of writes and its sync, by the writer thread or by a caller
    /// writing on its own thread (`performOnCallingThread`): the round state below is
    /// touched only while it is held.
    private let roundLock = Mutex<Void>(())
    private let directory: String
    private let options: LogStoreOptions
    private let shared: LockedLogState
    /// Makes the next segment ahead of time (nil when preallocation is off).
    let preparer: SegmentPreparer?

    // MARK: Round state (only with `roundLock` held)
    /// Encoded records not yet written to the current (last) segment.
    private var pending: [UInt8] = []
    private var pendingOffsets: [UInt64] = []
    private var pendingTerms: [UInt64] = []
    /// Logical size of the current segment, pending bytes included.
    private var writePosition: UInt64
    /// Whether the next segment has been asked of the preparer (once the current one is
    /// half full, so a log that grows slowly or not at all costs no zero-filling).
    private var spareRequested = false
    /// Segments written since the last sync.
    private var dirty: [ObjectIdentifier: SegmentFile] = [:]
    private var directoryDirty = false
    private var failure: LogStoreError?

    // MARK: Counters (written in rounds, read by anyone)
    let batchCount = Atomic<UInt64>(0)
    let dataSyncCount = Atomic<UInt64>(0)
    let directorySyncCount = Atomic<UInt64>(0)
    let bytesWritten = Atomic<UInt64>(0)
    let entriesAppended = Atomic<UInt64>(0)
    let syncNanoseconds = Atomic<UInt64>(0)
    let idleNanoseconds = Atomic<UInt64>(0)
    /// Whether the writer thread has ended (after a close).
    let exited = Atomic<Bool>(false)

    var statistics: LogStoreStatistics {
        LogStoreStatistics(batches: batchCount.load(ordering: .relaxed),
                           dataSyncs: dataSyncCount.load(ordering: .relaxed),
                           directorySyncs: directorySyncCount.load(ordering: .relaxed),
                           bytesWritten: bytesWritten.load(ordering: .relaxed),
                           entriesAppended: entriesAppended.load(ordering: .relaxed),
                           syncNanoseconds: syncNanoseconds.load(ordering: .relaxed),
                           idleNanoseconds: idleNanoseconds.load(ordering: .relaxed),
                           preallocatedSegments: preparer?.used.load(ordering: .relaxed) ?? 0,
                           preallocationFailures: preparer?.failures.load(ordering: .relaxed) ?? 0)
    }

    init(directory: String, options: LogStoreOptions, shared: LockedLogState) {
        self.directory = directory
        self.options = options
        self.shared = shared
        self.preparer = options.preallocateSegments ? SegmentPreparer(directory: directory, bytes: options.segmentBytes) : nil
        self.writePosition = shared.mutex.withLock { $0.segments.last?.endOffset ?? 0 }
    }

    func start() {
        preparer?.start()
        startDetachedThread(name: "herald-log") { self.run() }
    }

    private func run() {
        var running = true
        while running {
            let idleStart = ContinuousClock.now
            // NB: false when a round on a caller's thread took the close and closed the queue.
            guard queue.waitForItems() else { break }
            idleNanoseconds.add(Self.nanoseconds(since: idleStart), ordering: .relaxed)
            running = roundLock.withLock { _ in
                let batch = queue.takeAvailable()
                return batch.isEmpty || round(batch)
            }
        }
        failQueuedBehindClose()
        exited.store(true, ordering: .releasing)
    }

    /// Anything queued behind the close fails; later pushes are refused by the queue.
    private func failQueuedBehindClose() {
        for write in queue.closeAndDrain() { write.ticket.complete(.failure(.closed)) }
    }

    /// Performs `write` on the calling thread, unless writes are queued ahead of it or a
    /// round is in progress (they go first, on the writer thread): then nothing is done.
    /// - Returns: whether the write was performed; its ticket holds the outcome.
    func performOnCallingThread(_ write: LogWrite) -> Bool {
        // NB: not waiting for a round in progress (a compaction can take several fsyncs):
        // the caller then submits and awaits without holding its thread.
        let performed = roundLock.withLockIfAvailable { _ -> Bool in
            guard queue.isEmpty else { return false }
            // A close submitted meanwhile may join the round; the writer thread then exits.
            if !round([write]) { failQueuedBehindClose() }
            return true
        }
        return performed ?? false
    }

    /// Performs `batch` (and writes that arrive meanwhile) and syncs once. Holds
    /// `roundLock`.
    /// - Returns: false once the log is closed.
    private func round(_ first: [LogWrite]) -> Bool {
        var batch = first
        batchCount.add(1, ordering: .relaxed)
        var done: [DurabilityTicket] = []
        var closing: [DurabilityTicket] = []
        var position = 0
        while true {
            if position == batch.count {
                // Writes that arrived while this batch was being written join it: they
                // would otherwise wait a whole fsync longer for the next round.
                guard closing.isEmpty, batch.count < 1 << 16 else { break }
                let late = queue.takeAvailable()
                guard !late.isEmpty else { break }
                batch += late
            }
            let write = batch[position]
            position += 1
            // NB: a close is honoured even after a disk error, so the thread still ends.
            if case .close(let ticket) = write {
                closing.append(ticket)
                failure = failure ?? .closed
                continue
            }
            if let failure {
                write.ticket.complete(.failure(failure))
                continue
            }
            if let refusal = validate(write) {
                write.ticket.complete(.failure(refusal))
                continue
            }
            do throws(LogStoreError) {
                try perform(write)
                done.append(write.ticket)
            } catch {
                fail(error)
                write.ticket.complete(.failure(error))
            }
        }
        if !hasFailed {
            do throws(LogStoreError) { try flushPending() } catch { fail(error) }
        }
        if let failure, hasFailed {
            // NB: after a disk error nothing more is written or synced, and writes of this
            // round fail too, even those performed before it: a second fdatasync reports
            // success once the kernel has reported (and cleared) the error of pages it
            // dropped, and a retried write would add entries after refused ones.
            for ticket in done { ticket.complete(.failure(failure)) }
            done.removeAll()
            discardUnwritten()
        } else {
            sync(done)
        }
        guard closing.isEmpty else {
            trimClosedLog()
            preparer?.stop()
            shared.mutex.withLock { $0.failure = $0.failure ?? .closed }
            for ticket in closing { ticket.complete(.success(())) }
            return false
        }
        return true
    }

    /// Whether the store stopped for a disk error (not for a close).
    private var hasFailed: Bool { failure.map { $0 != .closed } ?? false }

    /// Drops what a failed store had buffered or marked for a sync.
    private func discardUnwritten() {
        pending.removeAll()
        pendingOffsets.removeAll()
        pendingTerms.removeAll()
        dirty.removeAll()
        directoryDirty = false
        writePosition = pendingStartOffset
    }

    /// Makes the round durable: one `fdatasync` per segment it wrote, then the directory
    /// if files were created or deleted, then completes `tickets`. Every ticket's bytes
    /// were written before this starts, so the sync covers them.
    private func sync(_ tickets: [DurabilityTicket]) {
        let files = Array(dirty.values)
        let directoryChanged = directoryDirty
        dirty.removeAll(keepingCapacity: true)
        directoryDirty = false
        do throws(LogStoreError) {
            let start = ContinuousClock.now
            for file in files {
                try PosixFile.dataSync(file.descriptor, path: file.path)
                dataSyncCount.add(1, ordering: .relaxed)
            }
            syncNanoseconds.add(Self.nanoseconds(since: start), ordering: .relaxed)
            if directoryChanged {
                try PosixFile.syncDirectory(directory)
                directorySyncCount.add(1, ordering: .relaxed)
            }
            for ticket in tickets { ticket.complete(.success(())) }
        } catch {
            fail(error)
            for ticket in tickets { ticket.complete(.failure(error)) }
        }
    }

    /// On close: cuts the last segment's unused zero tail, so a closed log holds exactly
    /// its records. Best effort: a log that failed is left as it is, and recovery reads
    /// a zero tail as the clean end anyway.
    private func trimClosedLog() {
        guard failure == nil || failure == .closed else { return }
        do throws(LogStoreError) {
            if let file = try trimZeroTail() {
                try PosixFile.dataSync(file.descriptor, path: file.path)
                dataSyncCount.add(1, ordering: .relaxed)
            }
        } catch {
            stop(error)
        }
    }

    /// Truncates the last segment to its records if it is longer (a preallocated tail);
    /// the caller syncs it.
    /// - Returns: the segment, when it was cut.
    private func trimZeroTail() throws(LogStoreError) -> SegmentFile? {
        guard let (file, end) = shared.mutex.withLock({ state in state.segments.last.map { ($0.file, $0.endOffset) } }) else { return nil }
        guard try PosixFile.size(file.descriptor, path: file.path) > end else { return nil }
        try PosixFile.truncate(file.descriptor, to: end, path: file.path)
        return file
    }

    /// Stops the store for `error`: a disk error stops it for good (STYLE §5: never limp
    /// on). The first disk error is the one kept for later writes: an error after it in
    /// the same round (the sync of a file whose write just failed, say) only follows from
    /// it, and later writes and the operator should see the cause (ENOSPC, not the
    /// `fdatasync` that came after).
    private func fail(_ error: LogStoreError) {
        stop(error)
        if failure == nil || failure == .closed { failure = error }
    }

    /// Records `error` in the shared state, keeping an earlier disk error.
    private func stop(_ error: LogStoreError) {
        shared.mutex.withLock { $0.failure = $0.failure.flatMap { $0 == .closed ? nil : $0 } ?? error }
    }

    // MARK: - Validation (no I/O)

    private var logicalLastIndex: LogIndex {
        shared.mutex.withLock { $0.lastIndex }.advanced(by: UInt64(pendingOffsets.count))
    }

    private func validate(_ write: LogWrite) -> LogStoreError? {
        guard case .append(let entries?, _, _) = write, entries.count > 0 else { return nil }
        let (snapshotIndex, firstIndex) = shared.mutex.withLock { ($0.snapshot?.index, $0.firstIndex) }
        if let snapshotIndex, entries.firstIndex <= snapshotIndex {
            return .compacted(requested: entries.firstIndex, firstIndex: firstIndex)
        }
        let last = logicalLastIndex
        if entries.firstIndex > last.advanced(by: 1) { return .nonContiguous(first: entries.firstIndex, lastIndex: last) }
        // NB: recovery and reads refuse a record above the limit as damage, so one
        // written anyway would be acknowledged and then lost.
        for k in 0..<entries.count {
            let bytes = entries.recordRange(k).count - RecordCodec.headerSize
            if bytes > options.maxRecordBytes {
                return .recordTooLarge(index: entries.firstIndex.advanced(by: UInt64(k)), bytes: bytes, limit: options.maxRecordBytes)
            }
        }
        return nil
    }

    // MARK: - Performing writes

    private func perform(_ write: LogWrite) throws(LogStoreError) {
        switch write {
        case .append(let entries, let hardState, _):
            if let entries, entries.count > 0 { try append(entries) }
            if let hardState { try record(hardState) }
        case .compact(let metadata, _):
            try compact(metadata)
        case .close:
            break
        }
    }

    private func append(_ entries: EncodedEntries) throws(LogStoreError) {
        if entries.firstIndex <= logicalLastIndex {
            try flushPending()
            try truncateSuffix(from: entries.firstIndex)
        }
        if shared.mutex.withLock({ $0.segments.isEmpty }) { try createSegment(firstIndex: entries.firstIndex) }
        for k in 0..<entries.count {
            if writePosition >= UInt64(options.segmentBytes) && currentSegmentHasEntries() {
                try roll(nextIndex: entries.firstIndex.advanced(by: UInt64(k)))
            }
            let range = entries.recordRange(k)
            pendingOffsets.append(writePosition)
            pendingTerms.append(entries.terms[k])
            pending.append(contentsOf: entries.bytes[range])
            writePosition += UInt64(range.count)
        }
        entriesAppended.add(UInt64(entries.count), ordering: .relaxed)
        if let preparer, !spareRequested, writePosition >= UInt64(options.segmentBytes / 2) {
            preparer.requestSpare()
            spareRequested = true
        }
        markCurrentDirty()
        if pending.count >= 8 << 20 { try flushPending() }
    }

    private func record(_ hardState: HardState) throws(LogStoreError) {
        let stored = shared.mutex.withLock { $0.hardState }
        if stored.term != hardState.term || stored.vote != hardState.vote {
            // Term and vote change rarely (elections) and MUST NOT be lost to a later
            // suffix truncation, so they live in their own atomically replaced file.
            try PosixFile.replaceAtomically(directory + "/" + MetadataFile.hardStateName, directory: directory,
                                            with: MetadataFile.encode(hardState))
        } else if stored.commit != hardState.commit, shared.mutex.withLock({ !$0.segments.isEmpty }) {
            // The commit index changes with nearly every Ready: a record in the log,
            // written but not synced for its own sake. It rides along with the next
            // fsync of entries (or a segment roll); losing it in a crash only makes the
            // restart replay more, and the applier skips what it already applied.
            // NB: syncing it cost a second fdatasync per round on every node (the
            // Ready that carries the commit usually has no entries): measured on the
            // perf rig, 2 fsyncs per message at 200 msg/s.
            RecordCodec.appendCommit(hardState.commit, to: &pending)
            writePosition = UInt64(pending.count) + pendingStartOffset
        }
        shared.mutex.withLock { $0.hardState = hardState }
    }

    /// File offset at which `pending` will be written.
    private var pendingStartOffset: UInt64 { shared.mutex.withLock { $0.segments.last?.endOffset ?? 0 } }

    private func currentSegmentHasEntries() -> Bool {
        pendingOffsets.count > 0 || shared.mutex.withLock { ($0.segments.last?.count ?? 0) > 0 }
    }

    private func markCurrentDirty() {
        if let file = shared.mutex.withLock({ $0.segments.last?.file }) { dirty[ObjectIdentifier(file)] = file }
    }

    /// Writes the pending bytes to the current segment and publishes their offsets.
    private func flushPending() throws(LogStoreError) {
        guard !pending.isEmpty else { return }
        let (file, start) = shared.mutex.withLock { ($0.segments.last!.file, $0.segments.last!.endOffset) }
        try PosixFile.write(file.descriptor, pending, at: start, path: file.path)
        bytesWritten.add(UInt64(pending.count), ordering: .relaxed)
        let offsets = pendingOffsets, terms = pendingTerms, end = start + UInt64(pending.count)
        shared.mutex.withLock { state in
            let last = state.segments.count - 1
            state.segments[last].offsets.append(contentsOf: offsets)
            state.segments[last].terms.append(contentsOf: terms)
            state.segments[last].endOffset = end
        }
        pending.removeAll(keepingCapacity: true)
        pendingOffsets.removeAll(keepingCapacity: true)
        pendingTerms.removeAll(keepingCapacity: true)
        writePosition = end
    }

    /// Seals the current segment (durable, and cut to its records, before anything lands
    /// in the next one, so a sealed segment never has a torn or zero tail) and starts a
    /// new one.
    private func roll(nextIndex: LogIndex) throws(LogStoreError) {
        try flushPending()
        _ = try trimZeroTail()
        if let file = shared.mutex.withLock({ $0.segments.last?.file }) {
            try PosixFile.dataSync(file.descriptor, path: file.path)
            dataSyncCount.add(1, ordering: .relaxed)
            dirty[ObjectIdentifier(file)] = nil
        }
        try createSegment(firstIndex: nextIndex)
    }

    /// Starts segment `firstIndex`: the prepared zero-filled spare renamed into place
    /// when one is ready, else a new empty file.
    private func createSegment(firstIndex: LogIndex) throws(LogStoreError) {
        let file: SegmentFile
        if let preparer, try preparer.take(renamingTo: directory + "/" + SegmentFile.name(for: firstIndex)) {
            file = try SegmentFile(directory: directory, firstIndex: firstIndex, create: false)
        } else {
            file = try SegmentFile(directory: directory, firstIndex: firstIndex, create: true)
            try PosixFile.truncate(file.descriptor, to: 0, path: file.path)
        }
        spareRequested = false
        shared.mutex.withLock { $0.segments.append(SegmentIndex(file: file)) }
        writePosition = 0
        directoryDirty = true
    }

    /// Removes every entry at or after `index` (a follower's conflicting suffix).
    /// Later segments go first, newest first, each deletion made durable before the next
    /// step, so a crash midway leaves a shorter but still well-formed log.
    private func truncateSuffix(from index: LogIndex) throws(LogStoreError) {
        let doomed = shared.mutex.withLock { state in
            let keep = state.segments.prefix { $0.firstIndex < index }.count
            let doomed = Array(state.segments[keep...].map(\.file).reversed())
            state.segments.removeLast(state.segments.count - keep)
            return doomed
        }
        for file in doomed {
            try PosixFile.unlink(file.path)
            try PosixFile.syncDirectory(directory)
            dirty[ObjectIdentifier(file)] = nil
        }
        let cut: (SegmentFile, UInt64)? = shared.mutex.withLock { state in
            guard let last = state.segments.indices.last else { return nil }
            let keep = Int(index.rawValue - state.segments[last].firstIndex.rawValue)
            guard keep < state.segments[last].count else { return nil }
            let end = state.segments[last].offsets[keep]
            state.segments[last].offsets.removeLast(state.segments[last].count - keep)
            state.segments[last].terms.removeLast(state.segments[last].terms.count - keep)
            state.segments[last].endOffset = end
            return (state.segments[last].file, end)
        }
        if let (file, end) = cut {
            try PosixFile.truncate(file.descriptor, to: end, path: file.path)
            // NB: make the cut durable before new records overwrite the old ones. Otherwise
            // a crash could leave new entries followed by surviving old ones at the right
            // offsets: a log that never existed (breaking Raft's Log Matching property).
            try PosixFile.dataSync(file.descriptor, path: file.path)
            dataSyncCount.add(1, ordering: .relaxed)
        }
        shared.mutex.withLock { $0.truncations += 1 }
        writePosition = shared.mutex.withLock { $0.segments.last?.endOffset ?? 0 }
    }

    /// Records the snapshot, then deletes whole segments it covers (Raft §7): if the log
    /// holds the snapshot's last entry with the same term, entries after it are kept;
    /// otherwise the whole log is discarded.
    private func compact(_ metadata: SnapshotMetadata) throws(LogStoreError) {
        try flushPending()
        try PosixFile.replaceAtomically(directory + "/" + MetadataFile.snapshotName, directory: directory,
                                        with: MetadataFile.encode(metadata))
        let doomed: [SegmentFile] = shared.mutex.withLock { state in
            let keepsSuffix = state.holds(metadata.index, term: metadata.term)
            state.snapshot = metadata
            var doomed: [SegmentFile] = []
            if keepsSuffix {
                while state.segments.count >= 2 && state.segments[1].firstIndex <= metadata.index.advanced(by: 1) {
                    doomed.append(state.segments.removeFirst().file)
                }
            } else {
                doomed = state.segments.map(\.file).reversed()
                state.segments.removeAll()
            }
            if state.hardState.commit < metadata.index { state.hardState.commit = metadata.index }
            return doomed
        }
        // NB: renamed now (cheap), deleted in the background: unlinking tens of megabytes
        // of segments here held up the appends queued behind the compaction, and with
        // them the Raft loop, for 100-200 ms per snapshot under load.
        var buried: [String] = []
        for file in doomed {
            let grave = directory + "/" + SegmentGraveyard.prefix + file.name
            try PosixFile.rename(file.path, grave)
            buried.append(grave)
            dirty[ObjectIdentifier(file)] = nil
        }
        SegmentGraveyard.delete(buried)
        if !doomed.isEmpty { directoryDirty = true }
        writePosition = shared.mutex.withLock { $0.segments.last?.endOffset ?? 0 }
    }

    private static func nanoseconds(since start: ContinuousClock.Instant) -> UInt64 {
        let (seconds, attoseconds) = (ContinuousClock.now - start).components
        return UInt64(seconds) * 1_000_000_000 + UInt64(attoseconds / 1_000_000_000)
    }
}
