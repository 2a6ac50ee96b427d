/// The leader's progress table: one `Progress` per member, this node included.
///
/// NB: parallel arrays rather than a dictionary so `items[slot].x = …` mutates in
/// place (a dictionary value copied out and back would copy the inflight ring).
struct ProgressTracker: Sendable {
    private(set) var ids: [NodeID] = []
    var items: [Progress] = []

    func slot(of id: NodeID) -> Int? { ids.firstIndex(of: id) }

    mutating func insert(_ id: NodeID, _ progress: Progress) {
        if let s = slot(of: id) {
            items[s] = progress
        } else {
            ids.append(id)
            items.append(progress)
        }
    }

    mutating func remove(_ id: NodeID) {
        guard let s = slot(of: id) else { return }
        ids.remove(at: s)
        items.remove(at: s)
    }

    mutating func removeAll() {
        ids.removeAll()
        items.removeAll()
    }
}
