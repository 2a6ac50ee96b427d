import NIOCore

/// The etcd v3 gRPC messages the generator sends and reads (etcdserverpb, rpc.proto),
/// hand-encoded: `PutRequest{key=1, value=2}`, `RangeRequest{key=1, count_only=9}`,
/// `PutResponse{header=1}`, `RangeResponse{header=1, kvs=2, count=4}` and
/// `ResponseHeader{cluster_id=1, member_id=2, revision=3, raft_term=4}`. A gRPC message is
/// framed as a compressed flag (0), a big-endian `u32` length, and the message.
enum EtcdMessages {
    /// The `:path` of `KV/Put`.
    static let putPath = "/etcdserverpb.KV/Put"
    /// The `:path` of `KV/Range`.
    static let rangePath = "/etcdserverpb.KV/Range"

    /// Writes a framed `PutRequest` for `bench/<connection>/<sequence>` with `value`.
    static func writePut(connection: Int, sequence: UInt64, value: ByteBuffer, into buffer: inout ByteBuffer) {
        let lengthAt = beginGRPCMessage(into: &buffer)
        ProtobufWriter.writeTag(field: 1, type: ProtobufWriter.lengthDelimitedType, into: &buffer)
        let keyLengthAt = buffer.writerIndex
        buffer.writeInteger(UInt8(0))  // placeholder: keys are under 128 bytes
        let keyStart = buffer.writerIndex
        buffer.writeString(EtcdKey.prefix)
        buffer.writeDecimal(UInt64(connection))
        buffer.writeInteger(UInt8(ascii: "/"))
        buffer.writeDecimal(sequence)
        buffer.setInteger(UInt8(buffer.writerIndex - keyStart), at: keyLengthAt)
        ProtobufWriter.writeTag(field: 2, type: ProtobufWriter.lengthDelimitedType, into: &buffer)
        ProtobufWriter.writeVarint(UInt64(value.readableBytes), into: &buffer)
        buffer.writeImmutableBuffer(value)
        endGRPCMessage(lengthAt: lengthAt, in: &buffer)
    }

    /// Writes a framed `RangeRequest` that counts the keys equal to `key`.
    static func writeCountRange(key: String, into buffer: inout ByteBuffer) {
        let lengthAt = beginGRPCMessage(into: &buffer)
        ProtobufWriter.writeTag(field: 1, type: ProtobufWriter.lengthDelimitedType, into: &buffer)
        ProtobufWriter.writeVarint(UInt64(key.utf8.count), into: &buffer)
        buffer.writeString(key)
        ProtobufWriter.writeTag(field: 9, type: ProtobufWriter.varintType, into: &buffer)
        buffer.writeInteger(UInt8(1))
        endGRPCMessage(lengthAt: lengthAt, in: &buffer)
    }

    /// The `raft_term` in a `PutResponse`'s header (0 when absent).
    /// - Parameter message: the response message, without gRPC framing.
    /// - Throws: `ProtobufReader.Malformed`.
    static func raftTerm(ofPutResponse message: ByteBuffer) throws(ProtobufReader.Malformed) -> UInt64 {
        var response = ProtobufReader(message)
        while let field = try response.next() {
            guard case .bytes(1, let headerBytes) = field else { continue }
            var header = ProtobufReader(headerBytes)
            while let headerField = try header.next() {
                if case .varint(4, let term) = headerField { return term }
            }
        }
        return 0
    }

    /// How many keys a `RangeResponse` counted (its `count`, or its `kvs` when no count).
    /// - Parameter message: the response message, without gRPC framing.
    /// - Throws: `ProtobufReader.Malformed`.
    static func count(ofRangeResponse message: ByteBuffer) throws(ProtobufReader.Malformed) -> UInt64 {
        var response = ProtobufReader(message)
        var keyValues: UInt64 = 0
        var count: UInt64 = 0
        while let field = try response.next() {
            switch field {
            case .varint(4, let value): count = value
            case .bytes(2, _): keyValues += 1
            default: break
            }
        }
        return max(count, keyValues)
    }

    /// The message inside a gRPC-framed body.
    /// - Throws: `ProtobufReader.Malformed` when the frame is short or compressed.
    static func unframe(_ body: ByteBuffer) throws(ProtobufReader.Malformed) -> ByteBuffer {
        var body = body
        guard let compressed = body.readInteger(as: UInt8.self), compressed == 0,
              let length = body.readInteger(as: UInt32.self),
              let message = body.readSlice(length: Int(length)) else { throw ProtobufReader.Malformed() }
        return message
    }

    private static func beginGRPCMessage(into buffer: inout ByteBuffer) -> Int {
        buffer.writeInteger(UInt8(0))
        let lengthAt = buffer.writerIndex
        buffer.writeInteger(UInt32(0))
        return lengthAt
    }

    private static func endGRPCMessage(lengthAt: Int, in buffer: inout ByteBuffer) {
        buffer.setInteger(UInt32(buffer.writerIndex - lengthAt - 4), at: lengthAt)
    }
}
