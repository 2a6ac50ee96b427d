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
