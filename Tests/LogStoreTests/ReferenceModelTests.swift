import LogStore
import RaftCore
import Testing

/// ARCHITECTURE §8.4: the segmented log against a plain array, over seeded random
/// sequences of append / conflicting append / compact / hard state / reopen.
@Suite("LogStore vs reference model")
struct ReferenceModelTests {
    /// The naive model: the visible entries and the snapshot.
    struct Model {
        var entries: [Entry] = []
        var snapshot: SnapshotMetadata?
        var hardState = HardState()
        var snapshotIndex: UInt64 { snapshot?.index.rawValue ?? 0 }
        var firstIndex: UInt64 { snapshotIndex + 1 }
        var lastIndex: UInt64 { entries.last?.index.rawValue ?? snapshotIndex }

        mutating func append(_ new: [Entry]) {
            let first = new[0].index.rawValue
            entries.removeAll { $0.index.rawValue >= first }
            entries += new
        }

        func term(at index: UInt64) -> UInt64? {
            if index == snapshotIndex { return snapshot?.term.rawValue ?? 0 }
            return entries.first { $0.index.rawValue == index }?.term.rawValue
        }

        mutating func compact(_ metadata: SnapshotMetadata) {
            if term(at: metadata.index.rawValue) == metadata.term.rawValue {
                entries.removeAll { $0.index <= metadata.index }
            } else {
                entries.removeAll()
            }
            snapshot = metadata
            hardState.commit = max(hardState.commit, metadata.index)
        }
    }

    @Test("random operation sequences agree with the model", arguments: Array(UInt64(1)...24))
    func agreesWithModel(seed: UInt64) async throws {
        var random = SeededGenerator(seed: seed)
        let dir = TemporaryDirectory("model")
        let options = LogStoreOptions(segmentBytes: Int.random(in: 200...2000, using: &random),
                                      compressionThreshold: Int.random(in: 16...200, using: &random))
        var store = try LogStore(directory: dir.path, options: options)
        var model = Model()
        var term: UInt64 = 1
        let membership = Membership(voters: [NodeID(1), NodeID(2), NodeID(3)])

        for step in 0..<150 {
            let context = "seed \(seed) step \(step)"
            switch UInt64.random(in: 0..<100, using: &random) {
            case 0..<45:  // append at the end
                let count = UInt64.random(in: 1...8, using: &random)
                let start = model.lastIndex + 1
                let new = makeEntries(start...(start + count - 1), term: term, size: Int.random(in: 0...300, using: &random))
                try await store.append(new)
                model.append(new)
            case 45..<60:  // a new leader's conflicting entries replace a suffix above commit
                let floor = max(model.hardState.commit.rawValue, model.snapshotIndex) + 1
                guard floor <= model.lastIndex else { continue }
                term += 1
                let start = UInt64.random(in: floor...model.lastIndex, using: &random)
                let new = makeEntries(start...(start + UInt64.random(in: 0...4, using: &random)), term: term, size: 40)
                try await store.append(new)
                model.append(new)
            case 60..<70:  // commit and vote move
                let commit = UInt64.random(in: model.hardState.commit.rawValue...max(model.hardState.commit.rawValue, model.lastIndex), using: &random)
                let hard = HardState(term: Term(term), vote: Bool.random(using: &random) ? NodeID(2) : nil, commit: LogIndex(commit))
                try await store.append([], hardState: hard)
                model.hardState = hard
            case 70..<80:  // compact through a committed index
                let commit = model.hardState.commit.rawValue
                guard commit > model.snapshotIndex, let snapTerm = model.term(at: commit) else { continue }
                let at = UInt64.random(in: model.snapshotIndex...commit, using: &random)
                guard at > 0, let atTerm = model.term(at: at) else { continue }
                _ = snapTerm
                let metadata = SnapshotMetadata(index: LogIndex(at), term: Term(atTerm), membership: membership)
                try await store.compact(through: metadata)
                model.compact(metadata)
            case 80..<84:  // install a snapshot from a leader that is ahead: discards the log
                term += 1
                let at = model.lastIndex + UInt64.random(in: 1...20, using: &random)
                let metadata = SnapshotMetadata(index: LogIndex(at), term: Term(term), membership: membership)
                try await store.compact(through: metadata)
                model.compact(metadata)
            default:  // crash-free restart
                await store.close()
                store = try LogStore(directory: dir.path, options: options)
                #expect(store.recoveryReport.truncation == nil, "\(context)")
                #expect(store.hardState.term.rawValue == model.hardState.term.rawValue, "\(context)")
                #expect(store.hardState.vote == model.hardState.vote, "\(context)")
                #expect(store.hardState.commit >= LogIndex(model.snapshotIndex), "\(context)")
                #expect(store.hardState.commit <= model.hardState.commit, "\(context)")
            }
            try check(store, against: model, context: context)
        }
        await store.close()
    }

    private func check(_ store: LogStore, against model: Model, context: String) throws {
        #expect(store.firstIndex.rawValue == model.firstIndex, "\(context)")
        #expect(store.lastIndex.rawValue == model.lastIndex, "\(context)")
        #expect(store.snapshotMetadata == model.snapshot, "\(context)")
        if model.lastIndex >= model.firstIndex {
            let read = try store.entries(from: LogIndex(model.firstIndex), to: LogIndex(model.lastIndex + 1))
            #expect(read == model.entries, "\(context)")
            for entry in model.entries { #expect(try store.term(at: entry.index) == entry.term, "\(context)") }
        }
        if model.snapshotIndex > 0 {
            #expect(try store.term(at: LogIndex(model.snapshotIndex)).rawValue == model.snapshot?.term.rawValue, "\(context)")
            #expect(throws: LogStoreError.compacted(requested: LogIndex(model.snapshotIndex), firstIndex: LogIndex(model.firstIndex))) {
                try store.entries(from: LogIndex(model.snapshotIndex), to: LogIndex(model.snapshotIndex + 1))
            }
        }
    }
}
