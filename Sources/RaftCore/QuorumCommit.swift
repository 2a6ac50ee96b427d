/// Quorum arithmetic for one set of voters (Raft §5.3–5.4: an entry is committed once
/// a majority of voters store it).
enum QuorumCommit {
    /// The size of a majority of `voterCount` voters.
    static func majority(_ voterCount: Int) -> Int { voterCount / 2 + 1 }

    /// The highest index stored by a majority, given each voter's match index.
    /// Empty input (no voters) commits nothing.
    static func committedIndex(_ matches: [LogIndex]) -> LogIndex {
        guard !matches.isEmpty else { return .zero }
        // The majority-th largest match: sort descending and take position q-1.
        var sorted = matches
        sorted.sort(by: >)
        return sorted[majority(matches.count) - 1]
    }
}
