import Checksums
import RaftCore

/// The two small files next to the segments, each replaced atomically (temp file, fsync,
/// rename, directory fsync) and protected by a trailing CRC-32C:
///
/// - `hardstate`: magic `HSv1`, term u64, vote u64 (0 = none), commit u64, crc u32.
/// - `snapshot.meta`: magic `SMv1`, index u64, term u64, voter count u32, voters u64…,
///   learner count u32, learners u64…, crc u32.
enum MetadataFile {
    static let hardStateName = "hardstate"
    static let snapshotName = "snapshot.meta"

    static func encode(_ state: HardState) -> [UInt8] {
        var bytes: [UInt8] = Array("HSv1".utf8)
        RecordCodec.appendLE(state.term.rawValue, to: &bytes)
        RecordCodec.appendLE(state.vote?.rawValue ?? 0, to: &bytes)
        RecordCodec.appendLE(state.commit.rawValue, to: &bytes)
        RecordCodec.appendLE(CRC32C.checksum(bytes), to: &bytes)
        return bytes
    }

    static func decodeHardState(_ bytes: [UInt8]) -> HardState? {
        guard var reader = CheckedReader(bytes, magic: "HSv1"),
              let term = reader.u64(), let vote = reader.u64(), let commit = reader.u64(), reader.atEnd
        else { return nil }
        return HardState(term: Term(term), vote: vote == 0 ? nil : NodeID(vote), commit: LogIndex(commit))
    }

    static func encode(_ metadata: SnapshotMetadata) -> [UInt8] {
        var bytes: [UInt8] = Array("SMv1".utf8)
        RecordCodec.appendLE(metadata.index.rawValue, to: &bytes)
        RecordCodec.appendLE(metadata.term.rawValue, to: &bytes)
        for group in [metadata.membership.voters, metadata.membership.learners] {
            RecordCodec.appendLE(UInt32(group.count), to: &bytes)
            for node in group.sorted() { RecordCodec.appendLE(node.rawValue, to: &bytes) }
        }
        RecordCodec.appendLE(CRC32C.checksum(bytes), to: &bytes)
        return bytes
    }

    static func decodeSnapshot(_ bytes: [UInt8]) -> SnapshotMetadata? {
        guard var reader = CheckedReader(bytes, magic: "SMv1"),
              let index = reader.u64(), let term = reader.u64() else { return nil }
        var groups: [Set<NodeID>] = []
        for _ in 0..<2 {
            guard let count = reader.u32(), Int(count) <= bytes.count / 8 else { return nil }
            var group = Set<NodeID>()
            for _ in 0..<count {
                guard let node = reader.u64() else { return nil }
                group.insert(NodeID(node))
            }
            groups.append(group)
        }
        guard reader.atEnd, groups[0].isDisjoint(with: groups[1]) else { return nil }
        return SnapshotMetadata(index: LogIndex(index), term: Term(term),
                                membership: Membership(voters: groups[0], learners: groups[1]))
    }

    /// Reads fields from a buffer whose last four bytes are a CRC-32C of the rest.
    struct CheckedReader {
        private let bytes: [UInt8]
        private var position: Int
        private let end: Int

        init?(_ bytes: [UInt8], magic: String) {
            let magicBytes = Array(magic.utf8)
            guard bytes.count >= magicBytes.count + 4, bytes.starts(with: magicBytes) else { return nil }
            let end = bytes.count - 4
            let stored = bytes[end...].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            guard CRC32C.checksum(bytes[..<end]) == stored else { return nil }
            self.bytes = bytes
            self.position = magicBytes.count
            self.end = end
        }

        var atEnd: Bool { position == end }

        mutating func u64() -> UInt64? {
            guard end - position >= 8 else { return nil }
            defer { position += 8 }
            return bytes[position..<(position + 8)].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        }

        mutating func u32() -> UInt32? {
            guard end - position >= 4 else { return nil }
            defer { position += 4 }
            return bytes[position..<(position + 4)].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        }
    }
}
