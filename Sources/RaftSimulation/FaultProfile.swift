/// Which faults a simulation injects, and how often. Probabilities are per tick unless
/// said otherwise; durations are in ticks.
public struct FaultProfile: Hashable, Sendable {
    /// Loss, duplication and delay outside partitions.
    public var network: NetworkConditions
    /// Chance per tick that a partition starts (when none is in force).
    public var partitionProbability: Double
    /// How long a partition lasts.
    public var partitionTicks: ClosedRange<Int>
    /// Chance per tick that a running node crashes.
    public var crashProbability: Double
    /// How long a crashed node stays down.
    public var downTicks: ClosedRange<Int>
    /// Chance per handled Ready that the node crashes after taking it and sending its
    /// `messages` but before persisting anything (the Ready is lost).
    public var crashBeforePersistProbability: Double
    /// Chance per handled Ready that the node crashes right after persisting it and
    /// sending `messagesAfterPersist`, before applying, and reboots within
    /// `quickRebootTicks` (votes and acknowledgements it just promised MUST survive).
    public var quickRebootProbability: Double
    /// The same, for a Ready that grants a vote: a voter that reboots mid-election
    /// MUST still remember whom it voted for.
    public var quickRebootAfterVoteProbability: Double
    /// How long a quick reboot takes.
    public var quickRebootTicks: ClosedRange<Int>
    /// Chance per tick that a client proposes a command at the leader.
    public var proposalProbability: Double
    /// Chance per tick that a membership change (add learner, promote, remove) is proposed.
    public var membershipChangeProbability: Double
    /// How many nodes membership changes may add over a run.
    public var maxAddedNodes: Int
    /// Chance per tick that the leader is asked to transfer leadership.
    public var transferProbability: Double
    /// Every this many ticks each node compacts its log to a snapshot of its state
    /// machine, when at least `compactionMinEntries` entries were applied since the last.
    public var compactionIntervalTicks: Int
    /// See `compactionIntervalTicks`.
    public var compactionMinEntries: Int

    /// Creates a fault profile.
    public init(network: NetworkConditions = .perfect, partitionProbability: Double = 0,
                partitionTicks: ClosedRange<Int> = 20...120, crashProbability: Double = 0,
                downTicks: ClosedRange<Int> = 10...80, crashBeforePersistProbability: Double = 0,
                quickRebootProbability: Double = 0, quickRebootAfterVoteProbability: Double = 0,
                quickRebootTicks: ClosedRange<Int> = 1...3,
                proposalProbability: Double = 0.3, membershipChangeProbability: Double = 0,
                maxAddedNodes: Int = 0, transferProbability: Double = 0,
                compactionIntervalTicks: Int = 40, compactionMinEntries: Int = 10) {
        self.network = network
        self.partitionProbability = partitionProbability
        self.partitionTicks = partitionTicks
        self.crashProbability = crashProbability
        self.downTicks = downTicks
        self.crashBeforePersistProbability = crashBeforePersistProbability
        self.quickRebootProbability = quickRebootProbability
        self.quickRebootAfterVoteProbability = quickRebootAfterVoteProbability
        self.quickRebootTicks = quickRebootTicks
        self.proposalProbability = proposalProbability
        self.membershipChangeProbability = membershipChangeProbability
        self.maxAddedNodes = maxAddedNodes
        self.transferProbability = transferProbability
        self.compactionIntervalTicks = compactionIntervalTicks
        self.compactionMinEntries = compactionMinEntries
    }

    /// No faults at all: a perfect network, no crashes, steady proposals.
    public static let none = FaultProfile()

    /// Everything at once: a lossy reordering network, partitions of every shape,
    /// crashes (some losing an unpersisted Ready), membership changes, leader
    /// transfers and frequent compaction.
    public static let mixed = FaultProfile(
        network: .lossy, partitionProbability: 0.01, partitionTicks: 20...150,
        crashProbability: 0.004, downTicks: 5...100, crashBeforePersistProbability: 0.002,
        quickRebootProbability: 0.002, quickRebootAfterVoteProbability: 0.15, quickRebootTicks: 1...3,
        proposalProbability: 0.4, membershipChangeProbability: 0.01, maxAddedNodes: 3,
        transferProbability: 0.003, compactionIntervalTicks: 30, compactionMinEntries: 8)
}
