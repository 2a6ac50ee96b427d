import QueueModel
import Testing

@Suite("identifiers")
struct IdentifierTests {
    @Test("a message id prints as 32 hex digits and parses back")
    func messageIDHexRoundTrip() throws {
        let id = MessageID(high: 0x0123_4567_89ab_cdef, low: 0xfedc_ba98_7654_3210)
        #expect(id.description == "0123456789abcdeffedcba9876543210")
        #expect(MessageID(hex: id.description) == id)
        #expect(MessageID(hex: "0123456789ABCDEFFEDCBA9876543210") == id)
        #expect(MessageID(bytes: id.bytes) == id)
        #expect(id.bytes.count == 16)
    }

    @Test("malformed hex and wrong byte counts give nil")
    func messageIDRejectsMalformed() {
        #expect(MessageID(hex: "") == nil)
        #expect(MessageID(hex: "0123456789abcdeffedcba987654321") == nil)
        #expect(MessageID(hex: "0123456789abcdeffedcba987654321g") == nil)
        #expect(MessageID(hex: "0123456789abcdeffedcba98765432100") == nil)
        #expect(MessageID(bytes: [UInt8](repeating: 1, count: 15)) == nil)
    }

    @Test("timestamps add with saturation")
    func timestampSaturates() {
        #expect(Timestamp(rawValue: 10).adding(milliseconds: 5) == Timestamp(rawValue: 15))
        #expect(Timestamp(rawValue: .max - 1).adding(milliseconds: 5) == Timestamp(rawValue: .max))
    }
}
