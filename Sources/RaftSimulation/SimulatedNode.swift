public import RaftCore

/// One node of the simulated cluster: its core while it runs, and what outlives a crash.
public struct SimulatedNode: Sendable {
    /// A client proposal this node accepted as leader and has not yet resolved.
    struct PendingProposal: Hashable, Sendable {
        var command: UInt64
        var term: Term
    }

    /// The node's identity.
    public let id: NodeID
    /// The running core, or nil while the node is down or retired.
    public internal(set) var core: RaftCore?
    /// What survives a crash.
    public internal(set) var disk = SimulatedDisk()
    /// The state machine (lost on crash, rebuilt from `disk.snapshot`).
    public internal(set) var stateMachine = AppliedStateMachine()
    /// The membership the node was started with.
    public let initialMembership: Membership
    /// Removed from the cluster: never runs again.
    public internal(set) var isRetired = false
    /// When a crashed node comes back.
    var restartAt: Int?
    /// How many times the core was built (seeds each incarnation differently).
    var incarnation: UInt64 = 0
    /// Last role, term and leader reported in the trace.
    var reportedRole: Role?
    var reportedTerm = Term.zero
    var reportedLeader: NodeID?
    /// Client proposals accepted here, by index; cleared on crash (the client's
    /// connection went with it).
    var pendingProposals: [LogIndex: PendingProposal] = [:]

    init(id: NodeID, initialMembership: Membership) {
        self.id = id
        self.initialMembership = initialMembership
    }

    /// Whether the node is running.
    public var isUp: Bool { core != nil }

    /// The node's log as the invariant checker sees it.
    public var log: NodeLog? {
        guard let core else { return nil }
        let snapshotIndex = core.snapshotIndex
        let snapshotTerm = core.term(at: snapshotIndex) ?? disk.snapshot?.metadata.term ?? .zero
        let last = core.lastIndex
        let entries = last > snapshotIndex ? core.entries(in: snapshotIndex.advanced(by: 1)...last) : []
        return NodeLog(snapshotIndex: snapshotIndex, snapshotTerm: snapshotTerm, entries: entries)
    }
}
