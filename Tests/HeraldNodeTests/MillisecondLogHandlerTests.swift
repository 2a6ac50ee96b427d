#if canImport(Glibc)
import Glibc
#endif
@testable import HeraldNode
import Logging
import Testing

/// Node logs are read across nodes to order the steps of a failover; the stamp must
/// carry milliseconds and the line keep swift-log's familiar shape.
@Suite struct MillisecondLogHandlerTests {
    @Test func aLineCarriesAMillisecondUTCStampSortedMetadataSourceAndMessage() {
        // 2026-11-30T01:43:58.007Z
        let time = timespec(tv_sec: 1_796_003_038, tv_nsec: 7_654_321)
        let line = MillisecondLogHandler.line(at: time, level: .notice, label: "heraldd",
                                              metadata: ["peer": "n1", "node": "3"], source: "HeraldNode",
                                              message: "peer process is gone")
        #expect(line == "2026-11-30T01:43:58.007Z notice heraldd: node=3 peer=n1 [HeraldNode] peer process is gone\n")
    }

    @Test func aLineWithoutMetadataHasNoEmptyField() {
        let time = timespec(tv_sec: 0, tv_nsec: 999_999_999)
        let line = MillisecondLogHandler.line(at: time, level: .info, label: "x", metadata: [:], source: "S",
                                              message: "m")
        #expect(line == "1970-01-01T00:00:00.999Z info x: [S] m\n")
    }
}
