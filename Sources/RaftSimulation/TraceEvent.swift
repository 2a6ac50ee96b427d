public import RaftCore

/// One thing that happened in a simulation run, stamped with its tick.
///
/// Events are kept as values and rendered to text only when a run fails or a test
/// asks, because rendering every delivered message would dominate a debug-build run.
public struct TraceEvent: Hashable, Sendable, CustomStringConvertible {
    /// What happened.
    public enum Kind: Hashable, Sendable {
        /// A message reached its receiver.
        case delivered(PeerMessage)
        /// A message was lost: `reason` is "drop", "cut" (partition) or "down" (receiver crashed).
        case lost(PeerMessage, reason: String)
        /// A message was put on the wire twice.
        case duplicated(PeerMessage)
        /// A node changed role, term or leader.
        case roleChanged(NodeID, role: Role, term: Term, leader: NodeID?)
        /// A node crashed; `lostReady` when it died between `takeReady` and persisting.
        case crashed(NodeID, lostReady: Bool)
        /// A node restarted from its disk.
        case restarted(NodeID, term: Term, commit: LogIndex, snapshot: LogIndex, lastIndex: LogIndex)
        /// A partition started.
        case partitioned(NetworkPartition)
        /// The partition ended.
        case healed
        /// A client proposal was accepted by a leader.
        case proposed(NodeID, command: UInt64, index: LogIndex, term: Term)
        /// A client proposal was refused.
        case proposalRefused(NodeID, command: UInt64, ProposalError)
        /// A proposal committed and was applied at the leader that accepted it.
        case acknowledged(command: UInt64, index: LogIndex, term: Term)
        /// A membership change was proposed.
        case membershipProposed(NodeID, MembershipChange, index: LogIndex)
        /// A membership change was refused.
        case membershipRefused(NodeID, MembershipChange, ProposalError)
        /// A node left the simulation for good (removed from the cluster).
        case retired(NodeID)
        /// A node joined the simulation (a new learner).
        case started(NodeID)
        /// A leadership transfer was asked for.
        case transferRequested(from: NodeID, to: NodeID)
        /// A leadership transfer was refused.
        case transferRefused(from: NodeID, to: NodeID, TransferError)
        /// A node compacted its log to a snapshot of its state machine.
        case compacted(NodeID, through: LogIndex)
        /// A node installed a snapshot from its leader.
        case snapshotInstalled(NodeID, through: LogIndex)
        /// A free-form note (phase changes, liveness progress).
        case note(String)
    }

    /// The tick at which it happened.
    public var tick: Int
    /// What happened.
    public var kind: Kind

    /// Creates an event.
    public init(tick: Int, kind: Kind) {
        self.tick = tick
        self.kind = kind
    }

    /// Folds this event into a digest without rendering it to text.
    /// - Parameter digest: the running digest of a run.
    public func fold(into digest: inout StableDigest) {
        digest.combine(UInt64(tick))
        switch kind {
        case let .delivered(message): digest.combine(1 as UInt8); Self.fold(message, into: &digest)
        case let .lost(message, reason): digest.combine(2 as UInt8); Self.fold(message, into: &digest); digest.combine(reason)
        case let .duplicated(message): digest.combine(3 as UInt8); Self.fold(message, into: &digest)
        default: digest.combine(description)
        }
    }

    private static func fold(_ message: PeerMessage, into digest: inout StableDigest) {
        digest.combine(message.from.rawValue)
        digest.combine(message.to.rawValue)
        digest.combine(message.term.rawValue)
        switch message.body {
        case let .preVote(index, term):
            digest.combine(10 as UInt8); digest.combine(index.rawValue); digest.combine(term.rawValue)
        case let .preVoteResponse(granted):
            digest.combine(11 as UInt8); digest.combine(granted ? 1 as UInt8 : 0)
        case let .requestVote(index, term, transfer):
            digest.combine(12 as UInt8); digest.combine(index.rawValue); digest.combine(term.rawValue)
            digest.combine(transfer ? 1 as UInt8 : 0)
        case let .requestVoteResponse(granted):
            digest.combine(13 as UInt8); digest.combine(granted ? 1 as UInt8 : 0)
        case let .append(prevIndex, prevTerm, entries, commit):
            digest.combine(14 as UInt8); digest.combine(prevIndex.rawValue); digest.combine(prevTerm.rawValue)
            digest.combine(UInt64(entries.count)); digest.combine(commit.rawValue)
            if let last = entries.last { digest.combine(last.index.rawValue); digest.combine(last.term.rawValue) }
        case let .appendResponse(success, match, hint, hintTerm):
            digest.combine(15 as UInt8); digest.combine(success ? 1 as UInt8 : 0); digest.combine(match.rawValue)
            digest.combine(hint.rawValue); digest.combine(hintTerm.rawValue)
        case let .heartbeat(commit, context):
            digest.combine(16 as UInt8); digest.combine(commit.rawValue); digest.combine(context)
        case let .heartbeatResponse(context):
            digest.combine(17 as UInt8); digest.combine(context)
        case let .installSnapshot(metadata, offset, chunk, done):
            digest.combine(18 as UInt8); digest.combine(metadata.index.rawValue); digest.combine(offset)
            digest.combine(chunk); digest.combine(done ? 1 as UInt8 : 0)
        case let .installSnapshotResponse(index, received, success):
            digest.combine(19 as UInt8); digest.combine(index.rawValue); digest.combine(received)
            digest.combine(success ? 1 as UInt8 : 0)
        case .timeoutNow:
            digest.combine(20 as UInt8)
        case let .readIndex(context):
            digest.combine(21 as UInt8); digest.combine(context)
        case let .readIndexResponse(context, index):
            digest.combine(22 as UInt8); digest.combine(context); digest.combine(index.rawValue)
        }
    }

    public var description: String {
        let stamp = "t=\(tick) "
        switch kind {
        case let .delivered(message): return stamp + "deliver " + Self.render(message)
        case let .lost(message, reason): return stamp + "lost(\(reason)) " + Self.render(message)
        case let .duplicated(message): return stamp + "duplicate " + Self.render(message)
        case let .roleChanged(node, role, term, leader):
            return stamp + "\(node) is \(role.rawValue) in \(term), leader \(leader.map(\.description) ?? "none")"
        case let .crashed(node, lostReady): return stamp + "crash \(node)" + (lostReady ? " (unpersisted Ready lost)" : "")
        case let .restarted(node, term, commit, snapshot, last):
            return stamp + "restart \(node) term \(term) commit \(commit) snapshot \(snapshot) last \(last)"
        case let .partitioned(partition): return stamp + "partition \(partition)"
        case .healed: return stamp + "heal network"
        case let .proposed(node, command, index, term): return stamp + "propose #\(command) at \(node) -> \(index)/\(term)"
        case let .proposalRefused(node, command, error): return stamp + "propose #\(command) at \(node) refused: \(error)"
        case let .acknowledged(command, index, term): return stamp + "ack #\(command) at \(index)/\(term)"
        case let .membershipProposed(node, change, index): return stamp + "membership \(change) at \(node) -> \(index)"
        case let .membershipRefused(node, change, error): return stamp + "membership \(change) at \(node) refused: \(error)"
        case let .retired(node): return stamp + "retire \(node)"
        case let .started(node): return stamp + "start \(node)"
        case let .transferRequested(from, to): return stamp + "transfer \(from) -> \(to)"
        case let .transferRefused(from, to, error): return stamp + "transfer \(from) -> \(to) refused: \(error)"
        case let .compacted(node, index): return stamp + "compact \(node) through \(index)"
        case let .snapshotInstalled(node, index): return stamp + "\(node) installs snapshot through \(index)"
        case let .note(text): return stamp + text
        }
    }

    /// A one-line rendering of a message.
    /// - Parameter message: the message.
    /// - Returns: e.g. `n1->n2 t3 append(prev i4/t2, 2 entries i5...i6, commit i4)`.
    public static func render(_ message: PeerMessage) -> String {
        let head = "\(message.from)->\(message.to) \(message.term) "
        switch message.body {
        case let .preVote(index, term): return head + "preVote(last \(index)/\(term))"
        case let .preVoteResponse(granted): return head + "preVoteResponse(\(granted))"
        case let .requestVote(index, term, transfer):
            return head + "requestVote(last \(index)/\(term)\(transfer ? ", transfer" : ""))"
        case let .requestVoteResponse(granted): return head + "requestVoteResponse(\(granted))"
        case let .append(prevIndex, prevTerm, entries, commit):
            let span = entries.isEmpty ? "0 entries"
                : "\(entries.count) entries \(entries[0].index)...\(entries[entries.count - 1].index)"
            return head + "append(prev \(prevIndex)/\(prevTerm), \(span), commit \(commit))"
        case let .appendResponse(success, match, hint, hintTerm):
            return head + "appendResponse(\(success ? "ok" : "reject"), match \(match), hint \(hint)/\(hintTerm))"
        case let .heartbeat(commit, context): return head + "heartbeat(commit \(commit), ctx \(context))"
        case let .heartbeatResponse(context): return head + "heartbeatResponse(ctx \(context))"
        case let .installSnapshot(metadata, offset, chunk, done):
            return head + "installSnapshot(\(metadata.index)/\(metadata.term), offset \(offset), \(chunk.count) bytes\(done ? ", done" : ""))"
        case let .installSnapshotResponse(index, received, success):
            return head + "installSnapshotResponse(\(index), \(received) bytes, \(success ? "ok" : "reject"))"
        case .timeoutNow: return head + "timeoutNow"
        case let .readIndex(context): return head + "readIndex(ctx \(context))"
        case let .readIndexResponse(context, index): return head + "readIndexResponse(ctx \(context), \(index))"
        }
    }
}
