/// The membership in force and where it came from. A membership entry takes effect
/// as soon as it is appended (thesis §4.1), so dropping a log suffix MUST roll the
/// membership back: this keeps one membership per membership entry still in the log.
///
/// Invariant: `changes` indices strictly increase and are all above `baseIndex`.
struct MembershipLog: Sendable {
    /// The membership before any entry in `changes` (from the snapshot or the initial one).
    private(set) var base: Membership
    /// The index `base` is known at (snapshot index, or 0 for the initial membership).
    private(set) var baseIndex: LogIndex
    /// The membership after each membership entry still in the log.
    private(set) var changes: [(index: LogIndex, membership: Membership)] = []

    init(base: Membership, at index: LogIndex) {
        self.base = base
        self.baseIndex = index
    }

    /// The membership in force.
    var current: Membership { changes.last?.membership ?? base }
    /// The index of the entry that set the membership in force.
    var latestIndex: LogIndex { changes.last?.index ?? baseIndex }

    /// The membership in force once the log up to `index` is applied (the latest
    /// membership entry at or below `index`).
    func membership(at index: LogIndex) -> Membership {
        changes.last { $0.index <= index }?.membership ?? base
    }

    /// Applies a membership entry just appended.
    /// - Returns: whether the membership changed.
    mutating func appended(_ entry: Entry) -> Bool {
        guard entry.kind == .membership else { return false }
        // NB: an undecodable entry changes nothing (on every node alike).
        guard let change = MembershipChange.decode(entry.data) else { return false }
        changes.append((entry.index, current.applying(change)))
        return true
    }

    /// Forgets membership entries at or after `index` (a truncated suffix).
    /// - Returns: whether the membership changed.
    mutating func truncate(from index: LogIndex) -> Bool {
        let before = changes.count
        while let last = changes.last, last.index >= index { changes.removeLast() }
        return changes.count != before
    }

    /// Folds entries up to `index` into the base (the log prefix was compacted).
    mutating func compact(to index: LogIndex) {
        var folded = 0
        for change in changes where change.index <= index {
            base = change.membership
            folded += 1
        }
        changes.removeFirst(folded)
        if index > baseIndex { baseIndex = index }
    }

    /// Starts over from a snapshot's membership.
    mutating func reset(to membership: Membership, at index: LogIndex) {
        base = membership
        baseIndex = index
        changes.removeAll()
    }
}
