/// What happened in a run, counted.
public struct SimulationStatistics: Hashable, Sendable {
    /// Messages delivered.
    public var delivered = 0
    /// Messages lost to drops, partitions or a crashed receiver.
    public var lost = 0
    /// Leaders seen (one per term with a leader).
    public var elections = 0
    /// Crashes, and those that lost an unpersisted Ready.
    public var crashes = 0
    /// See `crashes`.
    public var crashesBeforePersist = 0
    /// Crashes right after persisting a Ready, with a reboot within a few ticks.
    public var quickReboots = 0
    /// Partitions started.
    public var partitions = 0
    /// Client proposals accepted and acknowledged.
    public var proposed = 0
    /// See `proposed`.
    public var acknowledged = 0
    /// Membership changes proposed (accepted by a leader).
    public var membershipChanges = 0
    /// Leadership transfers asked for (accepted by a leader).
    public var transfers = 0
    /// Compactions, and snapshots installed from a leader.
    public var compactions = 0
    /// See `compactions`.
    public var snapshotsInstalled = 0

    /// Creates zeroed counters.
    public init() {}
}

extension SimulationStatistics: CustomStringConvertible {
    /// Adds another run's counters to these.
    /// - Parameter other: the other run's counters.
    public mutating func add(_ other: SimulationStatistics) {
        delivered += other.delivered
        lost += other.lost
        elections += other.elections
        crashes += other.crashes
        crashesBeforePersist += other.crashesBeforePersist
        quickReboots += other.quickReboots
        partitions += other.partitions
        proposed += other.proposed
        acknowledged += other.acknowledged
        membershipChanges += other.membershipChanges
        transfers += other.transfers
        compactions += other.compactions
        snapshotsInstalled += other.snapshotsInstalled
    }

    public var description: String {
        "delivered \(delivered), lost \(lost), elections \(elections), crashes \(crashes) "
            + "(\(crashesBeforePersist) before persist, \(quickReboots) quick reboots after persist), partitions \(partitions), proposed \(proposed), "
            + "acknowledged \(acknowledged), membership changes \(membershipChanges), transfers \(transfers), "
            + "compactions \(compactions), snapshots installed \(snapshotsInstalled)"
    }
}
