public import NIOCore
public import RaftCore

/// Encodes Raft messages for the peer connection. Layout of one message (big-endian):
/// `from u64, to u64, term u64, tag u8`, then the body's fields in declaration order.
/// Decoding checks every length against `limits` and never traps on hostile bytes.
public enum PeerMessageCodec {
    /// Upper bounds applied while decoding.
    public struct Limits: Sendable {
        /// Most entries in one append.
        public var maxEntries: Int
        /// Most bytes of one entry's data or one snapshot chunk.
        public var maxBlobBytes: Int
        /// Most members listed in a snapshot's membership.
        public var maxMembers: Int

        /// Creates limits.
        public init(maxEntries: Int = 1 << 20, maxBlobBytes: Int = 64 << 20, maxMembers: Int = 1024) {
            self.maxEntries = maxEntries
            self.maxBlobBytes = maxBlobBytes
            self.maxMembers = maxMembers
        }
    }

    private enum Tag: UInt8 {
        case preVote = 0, preVoteResponse, requestVote, requestVoteResponse, append, appendResponse
        case heartbeat, heartbeatResponse, installSnapshot, installSnapshotResponse, timeoutNow
        case readIndex, readIndexResponse
    }

    /// Appends `messages` as a `raftMessages` payload (count, then each message).
    public static func encode(_ messages: [PeerMessage], into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt32(messages.count))
        for message in messages { encode(message, into: &buffer) }
    }

    /// Reads a `raftMessages` payload.
    /// - Throws: `WireError.malformed` naming the first bad field.
    public static func decodeMessages(from buffer: inout ByteBuffer, limits: Limits = Limits()) throws(WireError) -> [PeerMessage] {
        let count = Int(try buffer.readRequired(UInt32.self, "message count"))
        guard count <= limits.maxEntries else { throw WireError.malformed("\(count) messages in one frame") }
        var messages: [PeerMessage] = []
        messages.reserveCapacity(min(count, 1024))
        for _ in 0..<count { messages.append(try decode(from: &buffer, limits: limits)) }
        guard buffer.readableBytes == 0 else { throw WireError.malformed("\(buffer.readableBytes) trailing bytes after messages") }
        return messages
    }

    /// Appends one message.
    public static func encode(_ message: PeerMessage, into buffer: inout ByteBuffer) {
        buffer.writeInteger(message.from.rawValue)
        buffer.writeInteger(message.to.rawValue)
        buffer.writeInteger(message.term.rawValue)
        switch message.body {
        case .preVote(let lastLogIndex, let lastLogTerm):
            buffer.writeInteger(Tag.preVote.rawValue)
            buffer.writeInteger(lastLogIndex.rawValue)
            buffer.writeInteger(lastLogTerm.rawValue)
        case .preVoteResponse(let granted):
            buffer.writeInteger(Tag.preVoteResponse.rawValue)
            buffer.writeInteger(UInt8(granted ? 1 : 0))
        case .requestVote(let lastLogIndex, let lastLogTerm, let transfer):
            buffer.writeInteger(Tag.requestVote.rawValue)
            buffer.writeInteger(lastLogIndex.rawValue)
            buffer.writeInteger(lastLogTerm.rawValue)
            buffer.writeInteger(UInt8(transfer ? 1 : 0))
        case .requestVoteResponse(let granted):
            buffer.writeInteger(Tag.requestVoteResponse.rawValue)
            buffer.writeInteger(UInt8(granted ? 1 : 0))
        case .append(let prevLogIndex, let prevLogTerm, let entries, let leaderCommit):
            buffer.writeInteger(Tag.append.rawValue)
            buffer.writeInteger(prevLogIndex.rawValue)
            buffer.writeInteger(prevLogTerm.rawValue)
            buffer.writeInteger(leaderCommit.rawValue)
            buffer.writeInteger(UInt32(entries.count))
            for entry in entries { encode(entry, into: &buffer) }
        case .appendResponse(let success, let matchIndex, let rejectHint, let rejectHintTerm):
            buffer.writeInteger(Tag.appendResponse.rawValue)
            buffer.writeInteger(UInt8(success ? 1 : 0))
            buffer.writeInteger(matchIndex.rawValue)
            buffer.writeInteger(rejectHint.rawValue)
            buffer.writeInteger(rejectHintTerm.rawValue)
        case .heartbeat(let commit, let context):
            buffer.writeInteger(Tag.heartbeat.rawValue)
            buffer.writeInteger(commit.rawValue)
            buffer.writeInteger(context)
        case .heartbeatResponse(let context):
            buffer.writeInteger(Tag.heartbeatResponse.rawValue)
            buffer.writeInteger(context)
        case .installSnapshot(let metadata, let offset, let chunk, let done):
            buffer.writeInteger(Tag.installSnapshot.rawValue)
            encode(metadata, into: &buffer)
            buffer.writeInteger(offset)
            buffer.writeLengthPrefixed(chunk)
            buffer.writeInteger(UInt8(done ? 1 : 0))
        case .installSnapshotResponse(let index, let bytesReceived, let success):
            buffer.writeInteger(Tag.installSnapshotResponse.rawValue)
            buffer.writeInteger(index.rawValue)
            buffer.writeInteger(bytesReceived)
            buffer.writeInteger(UInt8(success ? 1 : 0))
        case .timeoutNow:
            buffer.writeInteger(Tag.timeoutNow.rawValue)
        case .readIndex(let context):
            buffer.writeInteger(Tag.readIndex.rawValue)
            buffer.writeInteger(context)
        case .readIndexResponse(let context, let index):
            buffer.writeInteger(Tag.readIndexResponse.rawValue)
            buffer.writeInteger(context)
            buffer.writeInteger(index.rawValue)
        }
    }

    /// Reads one message.
    /// - Throws: `WireError.malformed` naming the first bad field.
    public static func decode(from buffer: inout ByteBuffer, limits: Limits = Limits()) throws(WireError) -> PeerMessage {
        let from = NodeID(try buffer.readRequired(UInt64.self, "from"))
        let to = NodeID(try buffer.readRequired(UInt64.self, "to"))
        let term = Term(try buffer.readRequired(UInt64.self, "term"))
        let rawTag = try buffer.readRequired(UInt8.self, "message tag")
        guard let tag = Tag(rawValue: rawTag) else { throw WireError.malformed("unknown message tag \(rawTag)") }
        let body: PeerMessage.Body
        switch tag {
        case .preVote:
            body = .preVote(lastLogIndex: try index(&buffer, "lastLogIndex"), lastLogTerm: try self.term(&buffer, "lastLogTerm"))
        case .preVoteResponse:
            body = .preVoteResponse(granted: try buffer.readBool("granted"))
        case .requestVote:
            body = .requestVote(lastLogIndex: try index(&buffer, "lastLogIndex"), lastLogTerm: try self.term(&buffer, "lastLogTerm"),
                                leadershipTransfer: try buffer.readBool("leadershipTransfer"))
        case .requestVoteResponse:
            body = .requestVoteResponse(granted: try buffer.readBool("granted"))
        case .append:
            let prevIndex = try index(&buffer, "prevLogIndex")
            let prevTerm = try self.term(&buffer, "prevLogTerm")
            let commit = try index(&buffer, "leaderCommit")
            let count = Int(try buffer.readRequired(UInt32.self, "entry count"))
            guard count <= limits.maxEntries else { throw WireError.malformed("\(count) entries in one append") }
            var entries: [Entry] = []
            entries.reserveCapacity(min(count, 4096))
            for _ in 0..<count { entries.append(try decodeEntry(from: &buffer, limits: limits)) }
            body = .append(prevLogIndex: prevIndex, prevLogTerm: prevTerm, entries: entries, leaderCommit: commit)
        case .appendResponse:
            body = .appendResponse(success: try buffer.readBool("success"), matchIndex: try index(&buffer, "matchIndex"),
                                   rejectHint: try index(&buffer, "rejectHint"), rejectHintTerm: try self.term(&buffer, "rejectHintTerm"))
        case .heartbeat:
            body = .heartbeat(commit: try index(&buffer, "commit"), context: try buffer.readRequired(UInt64.self, "context"))
        case .heartbeatResponse:
            body = .heartbeatResponse(context: try buffer.readRequired(UInt64.self, "context"))
        case .installSnapshot:
            let metadata = try decodeMetadata(from: &buffer, limits: limits)
            let offset = try buffer.readRequired(UInt64.self, "offset")
            let chunk = try buffer.readLengthPrefixedBytes("snapshot chunk", limit: limits.maxBlobBytes)
            body = .installSnapshot(metadata: metadata, offset: offset, chunk: chunk, done: try buffer.readBool("done"))
        case .installSnapshotResponse:
            body = .installSnapshotResponse(index: try index(&buffer, "index"), bytesReceived: try buffer.readRequired(UInt64.self, "bytesReceived"),
                                            success: try buffer.readBool("success"))
        case .timeoutNow:
            body = .timeoutNow
        case .readIndex:
            body = .readIndex(context: try buffer.readRequired(UInt64.self, "context"))
        case .readIndexResponse:
            body = .readIndexResponse(context: try buffer.readRequired(UInt64.self, "context"), index: try index(&buffer, "index"))
        }
        return PeerMessage(from: from, to: to, term: term, body: body)
    }

    /// Appends one log entry: `term u64, index u64, kind u8, data (u32 length + bytes)`.
    public static func encode(_ entry: Entry, into buffer: inout ByteBuffer) {
        buffer.writeInteger(entry.term.rawValue)
        buffer.writeInteger(entry.index.rawValue)
        buffer.writeInteger(entry.kind.rawValue)
        buffer.writeLengthPrefixed(entry.data)
    }

    /// Reads one log entry.
    public static func decodeEntry(from buffer: inout ByteBuffer, limits: Limits = Limits()) throws(WireError) -> Entry {
        let term = try self.term(&buffer, "entry term")
        let index = try index(&buffer, "entry index")
        let rawKind = try buffer.readRequired(UInt8.self, "entry kind")
        guard let kind = Entry.Kind(rawValue: rawKind) else { throw WireError.malformed("unknown entry kind \(rawKind)") }
        let data = try buffer.readLengthPrefixedBytes("entry data", limit: limits.maxBlobBytes)
        return Entry(term: term, index: index, kind: kind, data: data)
    }

    /// Appends snapshot metadata: index, term, voters, learners.
    public static func encode(_ metadata: SnapshotMetadata, into buffer: inout ByteBuffer) {
        buffer.writeInteger(metadata.index.rawValue)
        buffer.writeInteger(metadata.term.rawValue)
        for group in [metadata.membership.voters, metadata.membership.learners] {
            buffer.writeInteger(UInt32(group.count))
            for node in group.sorted() { buffer.writeInteger(node.rawValue) }
        }
    }

    /// Reads snapshot metadata.
    public static func decodeMetadata(from buffer: inout ByteBuffer, limits: Limits = Limits()) throws(WireError) -> SnapshotMetadata {
        let index = try index(&buffer, "snapshot index")
        let term = try self.term(&buffer, "snapshot term")
        var groups: [Set<NodeID>] = []
        for name in ["voters", "learners"] {
            let count = Int(try buffer.readRequired(UInt32.self, "\(name) count"))
            guard count <= limits.maxMembers else { throw WireError.malformed("\(count) \(name)") }
            var group = Set<NodeID>()
            for _ in 0..<count { group.insert(NodeID(try buffer.readRequired(UInt64.self, name))) }
            groups.append(group)
        }
        guard groups[0].isDisjoint(with: groups[1]) else { throw WireError.malformed("a node is both voter and learner") }
        return SnapshotMetadata(index: index, term: term, membership: Membership(voters: groups[0], learners: groups[1]))
    }

    private static func index(_ buffer: inout ByteBuffer, _ field: String) throws(WireError) -> LogIndex {
        LogIndex(try buffer.readRequired(UInt64.self, field))
    }

    private static func term(_ buffer: inout ByteBuffer, _ field: String) throws(WireError) -> Term {
        Term(try buffer.readRequired(UInt64.self, field))
    }
}
