import Foundation
import RaftCore
import StateStore
import Synchronization

/// The state snapshots a node keeps in `node-<id>/snapshots/`, one directory per
/// snapshot named `<index>-<term>`. A snapshot is taken in two steps: a checkpoint
/// inside the apply loop (`<name>.partial`, hard links, cheap) and a seal off the loop
/// (checksums and manifest), after which it is renamed to its final name and can be
/// served to followers. The newest `keep` sealed snapshots are kept, and an older one
/// while a follower is still fetching it (`servingLease`). (The Raft loop's
/// own snapshots are checkpointed off the loop too, into `next.partial`, and named once
/// the index they hold is known.)
final class SnapshotKeeper: Sendable {
    /// The directory holding the snapshots.
    let directory: String
    /// How many sealed snapshots to keep.
    let keep: Int
    /// How long after it last served a part of a snapshot beyond `keep` the keeper
    /// still keeps it, so a follower fetching it can finish.
    let servingLease: Duration
    /// When each snapshot (by directory name) last served a part.
    private let lastServed = Mutex<[String: ContinuousClock.Instant]>([:])
    /// Checksums of the table and blob files earlier seals read: each seal reads only
    /// the files flushed or compacted since the one before.
    let checksums = FileChecksumCache()

    /// Opens (creating if needed) the directory and deletes unfinished checkpoints.
    /// - Throws: when the directory cannot be created or listed.
    init(directory: String, keep: Int = 2, servingLease: Duration = .seconds(60)) throws {
        self.directory = directory
        self.keep = keep
        self.servingLease = servingLease
        try DurableFiles.makeDirectory(directory)
        for name in try FileManager.default.contentsOfDirectory(atPath: directory) where Self.parse(name) == nil {
            try FileManager.default.removeItem(atPath: directory + "/" + name)
        }
    }

    /// The directory name of the snapshot at `index` in `term`.
    static func name(index: LogIndex, term: Term) -> String { "\(index.rawValue)-\(term.rawValue)" }

    /// Parses a sealed snapshot's directory name.
    static func parse(_ name: String) -> (index: LogIndex, term: Term)? {
        let parts = name.split(separator: "-")
        guard parts.count == 2, let index = UInt64(parts[0]), let term = UInt64(parts[1]) else { return nil }
        return (LogIndex(index), Term(term))
    }

    /// Checkpoints the store at `metadata` into a `.partial` directory; call from the
    /// apply loop. Seal the result with `seal(_:metadata:)`.
    /// - Returns: the partial directory.
    func checkpoint(_ handle: StateStoreHandle, at metadata: SnapshotMetadata) throws -> String {
        let partial = path(index: metadata.index, term: metadata.term) + ".partial"
        try? FileManager.default.removeItem(atPath: partial)
        try handle.withStore { try StoredSnapshot.checkpoint($0, at: metadata, into: partial) }
        return partial
    }

    /// Checkpoints `store` into `next.partial` while the apply loop goes on (see
    /// `StoredSnapshot.checkpointWhileApplying`). Seal the result with `seal(_:metadata:)`
    /// once the metadata of the index it holds is known.
    /// - Returns: the partial directory and the applied index it holds.
    func checkpointWhileApplying(_ store: StateStore) throws -> (partial: String, index: LogIndex) {
        let partial = directory + "/next.partial"
        try? FileManager.default.removeItem(atPath: partial)
        let index = try StoredSnapshot.checkpointWhileApplying(store, into: partial)
        return (partial, index)
    }

    /// Checksums a checkpoint, writes its manifest, gives it its final name and drops
    /// snapshots beyond `keep`.
    /// - Returns: the sealed snapshot.
    func seal(_ partial: String, metadata: SnapshotMetadata) throws -> StoredSnapshot {
        _ = try StoredSnapshot.seal(partial, metadata: metadata, checksums: checksums)
        let final = path(index: metadata.index, term: metadata.term)
        try? FileManager.default.removeItem(atPath: final)
        // NB: durable before the loop compacts its log to this snapshot: after a power
        // loss the log must not start from a snapshot the node no longer has.
        try DurableFiles.move(partial, to: final)
        prune()
        return try StoredSnapshot(directory: final)
    }

    /// The sealed snapshot at `index` in `term`, if kept.
    func find(index: LogIndex, term: Term) -> StoredSnapshot? {
        try? StoredSnapshot(directory: path(index: index, term: term))
    }

    /// Why the snapshot at `index` is not kept: `.replaced` when a newer one is sealed
    /// (it was pruned, or never taken here), `.notKept` otherwise (perhaps still being
    /// sealed).
    func absence(of index: LogIndex) -> SnapshotBytesAnswer {
        guard let newest = sealed().first, newest.index > index else { return .notKept }
        return .replaced
    }

    /// Records that a part of the snapshot at `index` in `term` was just served.
    func noteServed(index: LogIndex, term: Term) {
        let name = Self.name(index: index, term: term)
        lastServed.withLock { $0[name] = .now }
    }

    /// Sealed snapshots, newest first.
    func sealed() -> [(index: LogIndex, term: Term)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.compactMap(Self.parse).sorted { $0.index > $1.index }
    }

    private func prune() {
        let now = ContinuousClock.now
        for old in sealed().dropFirst(keep) {
            // NB: at 10 KiB x 8k msg/s a node snapshots every ~2 s; a follower fetching
            // ~70 MB under that load lost its snapshot mid-transfer, then retried the
            // missing one until its install deadline (2 minutes) and stopped.
            let name = Self.name(index: old.index, term: old.term)
            let beingFetched = lastServed.withLock { served in
                guard let at = served[name] else { return false }
                if now - at < servingLease { return true }
                served[name] = nil
                return false
            }
            guard !beingFetched else { continue }
            // NB: renamed first, so a deletion cut short (a crash) leaves a name the next
            // start removes, never a snapshot directory with its manifest but not its files.
            let doomed = path(index: old.index, term: old.term) + ".deleting"
            try? FileManager.default.removeItem(atPath: doomed)
            guard (try? FileManager.default.moveItem(atPath: path(index: old.index, term: old.term), toPath: doomed)) != nil
            else { continue }
            try? FileManager.default.removeItem(atPath: doomed)
        }
    }

    private func path(index: LogIndex, term: Term) -> String {
        directory + "/" + Self.name(index: index, term: term)
    }
}
