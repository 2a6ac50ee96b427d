import RaftCore

/// Opens a log directory and rebuilds its index (the "Recovery" rules in docs/storage.md):
///
/// 1. read `hardstate` and `snapshot.meta` (a bad checksum fails the open);
/// 2. delete segments a snapshot covers entirely, without reading them;
/// 3. scan the rest in index order: a damaged record in a sealed segment fails the
///    open with `.corrupt(segment:offset:)`; in the last segment it and everything after
///    it are cut off (ftruncate + fdatasync) and reported;
/// 4. segments MUST join up (`.indexGap` otherwise);
/// 5. if the log does not hold the snapshot's last entry with the snapshot's term, the
///    whole log is discarded (an interrupted snapshot install, Raft §7).
struct LogRecovery {
    let directory: String
    let options: LogStoreOptions

    func run() throws(LogStoreError) -> (LogState, RecoveryReport) {
        try PosixFile.makeDirectories(directory)
        var report = RecoveryReport()
        var state = LogState()
        let names = try PosixFile.list(directory)
        for name in names where name.hasSuffix(".tmp") || name.hasPrefix(SegmentGraveyard.prefix) {
            try PosixFile.unlink(directory + "/" + name)
        }

        if names.contains(MetadataFile.hardStateName) {
            guard let hardState = MetadataFile.decodeHardState(try PosixFile.readAll(directory + "/" + MetadataFile.hardStateName)) else {
                throw .corruptMetadata(file: MetadataFile.hardStateName)
            }
            state.hardState = hardState
        }
        if names.contains(MetadataFile.snapshotName) {
            guard let snapshot = MetadataFile.decodeSnapshot(try PosixFile.readAll(directory + "/" + MetadataFile.snapshotName)) else {
                throw .corruptMetadata(file: MetadataFile.snapshotName)
            }
            state.snapshot = snapshot
        }

        var firstIndices = names.compactMap(SegmentFile.firstIndex(fromName:)).sorted()
        if let snapshot = state.snapshot {
            while firstIndices.count >= 2 && firstIndices[1] <= snapshot.index.advanced(by: 1) {
                let name = SegmentFile.name(for: firstIndices.removeFirst())
                try PosixFile.unlink(directory + "/" + name)
                report.removedSegments.append(name)
            }
        }

        let scanner = SegmentScanner(maxRecordBytes: options.maxRecordBytes)
        var highestCommit: UInt64 = 0
        for (position, first) in firstIndices.enumerated() {
            let file = try SegmentFile(directory: directory, firstIndex: first, create: false)
            if let previous = state.segments.last {
                let expected = previous.lastIndex.advanced(by: 1)
                guard first == expected else { throw .indexGap(segment: file.name, firstIndex: first, expected: expected) }
            } else if state.snapshot == nil && first != LogIndex(1) {
                throw .indexGap(segment: file.name, firstIndex: first, expected: LogIndex(1))
            } else if let snapshot = state.snapshot, first > snapshot.index.advanced(by: 1) {
                throw .indexGap(segment: file.name, firstIndex: first, expected: snapshot.index.advanced(by: 1))
            }
            let isLast = position == firstIndices.count - 1
            let scanned = try scanner.scan(file, isLast: isLast)
            report.segmentsScanned += 1
            highestCommit = max(highestCommit, scanned.highestCommit)
            if let (offset, damage) = scanned.damage {
                let size = try PosixFile.size(file.descriptor, path: file.path)
                try PosixFile.truncate(file.descriptor, to: offset, path: file.path)
                try PosixFile.dataSync(file.descriptor, path: file.path)
                report.truncation = .init(segment: file.name, offset: offset, discardedBytes: size - offset, damage: damage)
            }
            state.segments.append(scanned.index)
        }

        if let snapshot = state.snapshot {
            let keepsSuffix = state.physicallyHolds(snapshot.index) && state.physicalTerm(at: snapshot.index) == snapshot.term.rawValue
            let alreadyPast = state.segments.first.map { $0.firstIndex == snapshot.index.advanced(by: 1) } ?? true
            if !keepsSuffix && !alreadyPast {
                for segment in state.segments.reversed() {
                    try PosixFile.unlink(segment.file.path)
                    report.removedSegments.append(segment.file.name)
                }
                state.segments.removeAll()
            }
        }
        if !report.removedSegments.isEmpty { try PosixFile.syncDirectory(directory) }

        let floor = state.snapshot?.index.rawValue ?? 0
        let commit = max(state.hardState.commit.rawValue, highestCommit, floor)
        state.hardState.commit = LogIndex(min(commit, max(state.lastIndex.rawValue, floor)))
        report.firstIndex = state.firstIndex
        report.lastIndex = state.lastIndex
        return (state, report)
    }
}
