// MARK: - InstallSnapshot in chunks (Raft §7, Figure 13)

extension RaftCore {
    // MARK: Leader

    /// Switches a follower whose next entry is compacted to snapshot state and sends
    /// the first chunk. One chunk is in flight at a time; each acknowledgement (or a
    /// stall of a whole election timeout) releases the next.
    mutating func sendSnapshot(slot s: Int) {
        guard let snapshot = latestSnapshot else { return } // compaction always keeps one
        let index = snapshot.metadata.index
        if progress.items[s].state != .snapshot || progress.items[s].pendingSnapshot != index {
            progress.items[s].becomeSnapshot(index)
        }
        sendSnapshotChunk(slot: s)
    }

    mutating func sendSnapshotChunk(slot s: Int) {
        guard let snapshot = latestSnapshot, progress.items[s].state == .snapshot else { return }
        if progress.items[s].pendingSnapshot != snapshot.metadata.index {
            // We compacted again since the transfer began: restart with the newer snapshot.
            progress.items[s].becomeSnapshot(snapshot.metadata.index)
        }
        let total = snapshot.data.count
        let offset = Int(min(progress.items[s].snapshotOffset, UInt64(total)))
        let end = min(offset + max(1, config.snapshotChunkBytes), total)
        send(to: progress.ids[s], .installSnapshot(metadata: snapshot.metadata, offset: UInt64(offset),
                                                   chunk: Array(snapshot.data[offset..<end]), done: end == total))
    }

    mutating func handleInstallSnapshotResponse(from: NodeID, index: LogIndex, bytesReceived: UInt64, success: Bool) {
        guard from != config.id, let s = progress.slot(of: from) else { return }
        progress.items[s].recentActive = true
        guard progress.items[s].state == .snapshot, progress.items[s].pendingSnapshot == index,
              let snapshot = latestSnapshot else { return }
        guard snapshot.metadata.index == index else {
            // We compacted again meanwhile. If the follower took the older snapshot,
            // probe right after it: the entries may still be in the log (the shell keeps
            // a tail for followers this far behind), and a rejected probe falls back to
            // the newer snapshot. Otherwise send the newer one from the start.
            if success {
                progress.items[s].becomeProbe()
                sendAppends(slot: s)
            } else {
                sendSnapshot(slot: s)
            }
            return
        }
        progress.items[s].stalledHeartbeats = 0
        let total = UInt64(snapshot.data.count)
        if success && bytesReceived >= total {
            // Installed: the follower's log now matches ours up to `index`.
            _ = progress.items[s].maybeUpdate(index)
            progress.items[s].becomeReplicate()
            _ = maybeCommit()
            sendAppends(slot: s)
            checkRemovedLeaderStepDown()
        } else {
            // Next chunk, or resume where the follower's assembly actually is.
            progress.items[s].snapshotOffset = min(bytesReceived, total)
            sendSnapshotChunk(slot: s)
        }
    }

    // MARK: Follower

    mutating func handleInstallSnapshot(_ m: PeerMessage, metadata: SnapshotMetadata, offset: UInt64,
                                        chunk: [UInt8], done: Bool) {
        guard metadata.index.rawValue < Self.absurd, metadata.term <= m.term else { return }
        if metadata.index <= committed {
            // We already have everything it covers; report our commit as the match.
            incomingSnapshot = nil
            send(to: m.from, .appendResponse(success: true, matchIndex: committed, rejectHint: .zero,
                                             rejectHintTerm: .zero))
            return
        }
        if offset == 0 {
            incomingSnapshot = Snapshot(metadata: metadata, data: chunk)
        } else if var assembling = incomingSnapshot, assembling.metadata == metadata,
                  UInt64(assembling.data.count) == offset {
            incomingSnapshot = nil // NB: keeps the buffer uniquely referenced while appending
            assembling.data.append(contentsOf: chunk)
            incomingSnapshot = assembling
        } else {
            // Out of order (Figure 13 step 2): tell the leader where we really are.
            var have: UInt64 = 0
            if let assembling = incomingSnapshot, assembling.metadata == metadata {
                have = UInt64(assembling.data.count)
            }
            send(to: m.from, .installSnapshotResponse(index: metadata.index, bytesReceived: have, success: false))
            return
        }
        guard done, let snapshot = incomingSnapshot else {
            send(to: m.from, .installSnapshotResponse(index: metadata.index,
                                                      bytesReceived: UInt64(incomingSnapshot?.data.count ?? 0),
                                                      success: true))
            return
        }
        incomingSnapshot = nil
        restore(snapshot)
        send(to: m.from, .installSnapshotResponse(index: metadata.index, bytesReceived: UInt64(snapshot.data.count),
                                                  success: true))
    }

    /// Installs a snapshot received from the leader (Figure 13 steps 6–8).
    mutating func restore(_ snapshot: Snapshot) {
        let index = snapshot.metadata.index, term = snapshot.metadata.term
        if raftLog.matchTerm(index, term) {
            // §7: we hold the entry the snapshot ends with, so we keep the log after it
            // and only learn that it is committed; nothing to install.
            commitTo(index)
            return
        }
        raftLog.restore(compactedIndex: index, term: term)
        membershipLog.reset(to: snapshot.metadata.membership, at: index)
        committed = index
        handedOutApplied = max(handedOutApplied, index)
        latestSnapshot = snapshot
        unreportedSnapshot = snapshot
    }
}
