@testable import HeraldNode
import RaftCore
import Synchronization
import Testing
import Wire

/// Cluster-status requests share one collection.
@Suite struct ClusterStatusCacheTests {
    @Test("fifty concurrent requests cause one collection, reused while fresh")
    func requestsShareACollection() async throws {
        let collections = Atomic<Int>(0)
        let cache = ClusterStatusCache(maxAge: .seconds(600)) {
            let number = collections.add(1, ordering: .relaxed).newValue
            try? await Task.sleep(for: .milliseconds(50))
            return ClusterStatusReport(leader: NodeID(UInt64(number)), term: Term(1), nodes: [])
        }
        let leaders = await withTaskGroup(of: NodeID?.self) { group in
            for _ in 0..<50 { group.addTask { await cache.report().leader } }
            return await group.reduce(into: [NodeID?]()) { $0.append($1) }
        }
        #expect(collections.load(ordering: .relaxed) == 1)
        #expect(Set(leaders) == [NodeID(1)])
        #expect(await cache.report().leader == NodeID(1))
        #expect(collections.load(ordering: .relaxed) == 1)
    }

    @Test("a report older than maxAge is collected again")
    func staleReportsAreCollectedAgain() async throws {
        let collections = Atomic<Int>(0)
        let cache = ClusterStatusCache(maxAge: .zero) {
            let number = collections.add(1, ordering: .relaxed).newValue
            return ClusterStatusReport(leader: NodeID(UInt64(number)), term: Term(1), nodes: [])
        }
        #expect(await cache.report().leader == NodeID(1))
        #expect(await cache.report().leader == NodeID(2))
    }
}
