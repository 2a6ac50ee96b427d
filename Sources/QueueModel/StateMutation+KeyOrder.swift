extension Array where Element == StateMutation {
    /// The mutations sorted by family and then key (unsigned bytewise, as RocksDB orders
    /// keys), keeping the relative order of mutations of the same key. Writing them in
    /// this order leaves the same state as writing them in the original order: writes to
    /// different keys commute, and writes to one key keep their order.
    ///
    /// Cheap when most families arrive sorted already (ids grow with time): each family
    /// is checked first and sorted only when it is out of order.
    public func inKeyOrder() -> [StateMutation] {
        let keys = map(\.key)
        var groups: [(family: Family, members: [Int])] = []
        for index in indices {
            let family = self[index].family
            if let group = groups.firstIndex(where: { $0.family == family }) {
                groups[group].members.append(index)
            } else {
                groups.append((family, [index]))
            }
        }
        groups.sort { $0.family.rawValue < $1.family.rawValue }
        var result: [StateMutation] = []
        result.reserveCapacity(count)
        for group in groups {
            var members = group.members
            let precedes = { (a: Int, b: Int) -> Bool in
                let order = Self.compareBytes(keys[a], keys[b])
                return order != 0 ? order < 0 : a < b
            }
            if zip(members, members.dropFirst()).contains(where: { !precedes($0, $1) }) {
                members.sort(by: precedes)
            }
            for index in members { result.append(self[index]) }
        }
        return result
    }

    /// Negative, zero or positive as `a` sorts before, with or after `b`.
    private static func compareBytes(_ a: [UInt8], _ b: [UInt8]) -> Int {
        a.withUnsafeBufferPointer { x in
            b.withUnsafeBufferPointer { y in
                for index in 0..<Swift.min(x.count, y.count) where x[index] != y[index] {
                    return Int(x[index]) - Int(y[index])
                }
                return x.count - y.count
            }
        }
    }
}
