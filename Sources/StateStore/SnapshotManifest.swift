public import RaftCore
import Checksums

/// What a snapshot consists of: its Raft metadata, every file of the RocksDB checkpoint
/// with size and CRC-32C, and a checksum over all file bytes in manifest order. Sent
/// first; the receiver checks every chunk and the whole against it.
///
/// Encoding (little-endian): magic `HSNAPMF1`, index u64, term u64, voters (u32 count +
/// u64s), learners (same), file count u32, per file (path length u16, UTF-8 path,
/// size u64, crc u32), total crc u32, then a CRC-32C of everything before it.
public struct SnapshotManifest: Sendable, Hashable {
    /// One file of the checkpoint.
    public struct File: Sendable, Hashable {
        /// Path relative to the checkpoint directory.
        public var path: String
        /// Size in bytes.
        public var size: UInt64
        /// CRC-32C of the whole file.
        public var crc32c: UInt32
    }

    /// Where the snapshot sits in the Raft log.
    public var metadata: SnapshotMetadata
    /// The checkpoint's files.
    public var files: [File]
    /// CRC-32C over the bytes of all files, concatenated in `files` order.
    public var totalChecksum: UInt32

    /// Total size of all files.
    public var totalBytes: UInt64 { files.reduce(0) { $0 + $1.size } }

    private static let magic = Array("HSNAPMF1".utf8)

    /// The manifest's wire form.
    public func encoded() -> [UInt8] {
        var out = Self.magic
        func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        u64(metadata.index.rawValue)
        u64(metadata.term.rawValue)
        for group in [metadata.membership.voters, metadata.membership.learners] {
            u32(UInt32(group.count))
            for node in group.sorted() { u64(node.rawValue) }
        }
        u32(UInt32(files.count))
        for file in files {
            let path = Array(file.path.utf8)
            withUnsafeBytes(of: UInt16(path.count).littleEndian) { out.append(contentsOf: $0) }
            out += path
            u64(file.size)
            u32(file.crc32c)
        }
        u32(totalChecksum)
        u32(CRC32C.checksum(out))
        return out
    }

    /// Decodes a manifest.
    /// - Parameter bytes: the wire form.
    /// - Throws: `.invalidSnapshot` when the bytes are damaged or malformed.
    public init(decoding bytes: [UInt8]) throws(StateStoreError) {
        guard bytes.count >= Self.magic.count + 4, bytes.starts(with: Self.magic) else { throw .invalidSnapshot("bad manifest header") }
        let body = bytes[..<(bytes.count - 4)]
        var reader = Reader(bytes: bytes, position: Self.magic.count, end: bytes.count - 4)
        guard CRC32C.checksum(body) == reader.u32(at: bytes.count - 4) else { throw .invalidSnapshot("manifest checksum mismatch") }
        do {
            let index = try reader.u64(), term = try reader.u64()
            var groups: [Set<NodeID>] = []
            for _ in 0..<2 {
                let count = try reader.u32()
                var group = Set<NodeID>()
                for _ in 0..<count { group.insert(NodeID(try reader.u64())) }
                groups.append(group)
            }
            guard groups[0].isDisjoint(with: groups[1]) else { throw .invalidSnapshot("voter is also a learner") }
            var files: [File] = []
            for _ in 0..<(try reader.u32()) {
                let length = Int(try reader.u16())
                let path = String(decoding: try reader.take(length), as: UTF8.self)
                guard !path.contains(".."), !path.hasPrefix("/") else { throw .invalidSnapshot("unsafe path \(path)") }
                files.append(File(path: path, size: try reader.u64(), crc32c: try reader.u32()))
            }
            self.files = files
            self.totalChecksum = try reader.u32()
            self.metadata = SnapshotMetadata(index: LogIndex(index), term: Term(term),
                                             membership: Membership(voters: groups[0], learners: groups[1]))
            guard reader.position == reader.end else { throw .invalidSnapshot("trailing manifest bytes") }
        }
    }

    /// Creates a manifest.
    public init(metadata: SnapshotMetadata, files: [File], totalChecksum: UInt32) {
        self.metadata = metadata
        self.files = files
        self.totalChecksum = totalChecksum
    }

    private struct Reader {
        let bytes: [UInt8]
        var position: Int
        let end: Int

        mutating func take(_ count: Int) throws(StateStoreError) -> ArraySlice<UInt8> {
            guard end - position >= count else { throw .invalidSnapshot("truncated manifest") }
            defer { position += count }
            return bytes[position..<(position + count)]
        }
        mutating func u64() throws(StateStoreError) -> UInt64 { try take(8).reversed().reduce(0) { $0 << 8 | UInt64($1) } }
        mutating func u32() throws(StateStoreError) -> UInt32 { try take(4).reversed().reduce(0) { $0 << 8 | UInt32($1) } }
        mutating func u16() throws(StateStoreError) -> UInt16 { try take(2).reversed().reduce(0) { $0 << 8 | UInt16($1) } }
        func u32(at offset: Int) -> UInt32 { bytes[offset..<(offset + 4)].reversed().reduce(0) { $0 << 8 | UInt32($1) } }
    }
}
