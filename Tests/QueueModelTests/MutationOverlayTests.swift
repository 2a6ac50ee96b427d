import QueueModel
import Testing

@Suite("mutation overlay")
struct MutationOverlayTests {
    @Test("reads see pending puts and deletes over the base")
    func pointReads() {
        var base = MemoryStore()
        base.write([.put(.meta, key: [1], value: [10]), .put(.meta, key: [2], value: [20])])
        var overlay = MutationOverlay(base: base)
        overlay.record([.put(.meta, key: [1], value: [11]), .delete(.meta, key: [2]), .put(.meta, key: [3], value: [30])])
        #expect(overlay.value(in: .meta, key: [1]) == [11])
        #expect(overlay.value(in: .meta, key: [2]) == nil)
        #expect(overlay.value(in: .meta, key: [3]) == [30])
        #expect(overlay.value(in: .queue, key: [1]) == nil)
        overlay.record([.put(.meta, key: [2], value: [22])])
        #expect(overlay.value(in: .meta, key: [2]) == [22])
        #expect(overlay.mutations.count == 4)
    }

    @Test("scans through the overlay equal scans of the written store (seeded reference check)")
    func scansMatchReference() {
        var rng = SeededGenerator(seed: 0x0E1A)
        for _ in 0..<300 {
            var base = MemoryStore()
            func randomKey() -> [UInt8] {
                (0..<Int.random(in: 1...3, using: &rng)).map { _ in UInt8.random(in: 0...3, using: &rng) }
            }
            base.write((0..<Int.random(in: 0...20, using: &rng)).map { _ in
                .put(.queue, key: randomKey(), value: [UInt8.random(in: 0...255, using: &rng)])
            })
            var overlay = MutationOverlay(base: base)
            var written = base
            for _ in 0..<Int.random(in: 0...4, using: &rng) {
                let batch: [StateMutation] = (0..<Int.random(in: 0...6, using: &rng)).map { _ in
                    Bool.random(using: &rng)
                        ? .put(.queue, key: randomKey(), value: [UInt8.random(in: 0...255, using: &rng)])
                        : .delete(.queue, key: randomKey())
                }
                overlay.record(batch)
                written.write(batch)
            }
            let prefix = Array(randomKey().prefix(Int.random(in: 0...2, using: &rng)))
            let limit = Int.random(in: 0...12, using: &rng)
            let after: [UInt8]? = Bool.random(using: &rng) ? randomKey() : nil
            let viaOverlay = overlay.scan(in: .queue, prefix: prefix, after: after, limit: limit)
            let expected = written.scan(in: .queue, prefix: prefix, after: after, limit: limit)
            #expect(viaOverlay.map(\.key) == expected.map(\.key))
            #expect(viaOverlay.map(\.value) == expected.map(\.value))
        }
    }
}

@Suite("mutations in key order")
struct MutationKeyOrderTests {
    @Test("sorted by family and unsigned bytes; writes to one key keep their order; the final state is unchanged")
    func keyOrderKeepsState() {
        var rng = SeededGenerator(seed: 0x50F7)
        let families: [Family] = [.messages, .queue, .bodies]
        var mutations: [StateMutation] = []
        for n in 0..<400 {
            let family = families[Int(rng.next() % 3)]
            // Few distinct keys (so keys repeat), bytes above 0x7f, and prefixes of each other.
            let key = (0..<Int(rng.next() % 3)).map { _ in UInt8(truncatingIfNeeded: rng.next() % 4) * 0x50 }
            mutations.append(rng.next() % 4 == 0 ? .delete(family, key: key)
                                                 : .put(family, key: key, value: [UInt8(truncatingIfNeeded: n)]))
        }
        let sorted = mutations.inKeyOrder()
        #expect(sorted.count == mutations.count)
        for (a, b) in zip(sorted, sorted.dropFirst()) {
            if a.family == b.family {
                #expect(!b.key.lexicographicallyPrecedes(a.key))
            } else {
                #expect(a.family.rawValue < b.family.rawValue)
            }
        }
        func finalState(_ list: [StateMutation]) -> [String: [UInt8]?] {
            var state: [String: [UInt8]?] = [:]
            for mutation in list {
                let name = "\(mutation.family.rawValue)/\(mutation.key)"
                switch mutation {
                case .put(_, _, let value): state[name] = .some(value)
                case .delete: state[name] = .some(nil)
                }
            }
            return state
        }
        #expect(finalState(sorted) == finalState(mutations))
    }
}
