import Checksums

/// One piece of a snapshot file in transit. `crc32c` covers `bytes` and is checked by
/// the receiver before anything is written.
public struct SnapshotChunk: Sendable, Hashable {
    /// Position of the file in `SnapshotManifest.files`.
    public var fileIndex: Int
    /// Byte offset of `bytes` within that file.
    public var offset: UInt64
    /// The data.
    public var bytes: [UInt8]
    /// CRC-32C of `bytes`.
    public var crc32c: UInt32

    /// Creates a chunk, computing its checksum.
    /// - Parameters:
    ///   - fileIndex: the file's position in the manifest.
    ///   - offset: where `bytes` start in the file.
    ///   - bytes: the data.
    public init(fileIndex: Int, offset: UInt64, bytes: [UInt8]) {
        self.init(fileIndex: fileIndex, offset: offset, bytes: bytes, crc32c: CRC32C.checksum(bytes))
    }

    /// Creates a chunk with a given checksum (as decoded from the wire).
    public init(fileIndex: Int, offset: UInt64, bytes: [UInt8], crc32c: UInt32) {
        self.fileIndex = fileIndex
        self.offset = offset
        self.bytes = bytes
        self.crc32c = crc32c
    }

    /// Whether `bytes` still match `crc32c`.
    public var isIntact: Bool { CRC32C.checksum(bytes) == crc32c }
}
