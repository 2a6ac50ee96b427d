import HeraldConfig
import Testing

@Suite("strict JSON parser")
struct JSONParserTests {
    func parse(_ text: String) throws(JSONParser.SyntaxError) -> JSONValue {
        try JSONParser.parse(Array(text.utf8))
    }

    @Test("values keep their kind, order and escapes")
    func valuesKeepKindAndOrder() throws {
        let value = try parse(#"{"b": [1, -2.5e3, true, null], "a": "x\n\u00e9\ud83d\ude00"}"#)
        guard case .object(let members) = value else {
            Issue.record("not an object: \(value)")
            return
        }
        #expect(members.map(\.key) == ["b", "a"])
        #expect(members[0].value == .array([.number("1"), .number("-2.5e3"), .bool(true), .null]))
        #expect(members[1].value == .string("x\né😀"))
    }

    @Test("malformed documents report the position", arguments: [
        ("{\"a\": 1,}", "expected a string key at line 1, column 9"),
        ("[1 2]", "expected ',' or ']' in an array at line 1, column 4"),
        ("{\"a\": tru}", "invalid literal, expected 'true' at line 1, column 10"),
        ("{} x", "unexpected text after the document at line 1, column 4"),
        ("\"abc", "unterminated string at line 1, column 5"),
        ("01", "unexpected text after the document at line 1, column 2"),
        ("{\n  \"a\": // c\n}", "unexpected character '/' at line 2, column 8"),
        ("\"\\ud800\"", "unpaired surrogate at line 1, column 8"),
    ])
    func malformedReportsPosition(text: String, expected: String) {
        do {
            let value = try parse(text)
            Issue.record("parsed \(value) from malformed input")
        } catch {
            #expect(error.description == expected)
        }
    }

    @Test("deep nesting is refused rather than exhausting the stack")
    func deepNestingRefused() {
        let text = String(repeating: "[", count: 10_000)
        #expect(throws: JSONParser.SyntaxError.self) { try parse(text) }
    }
}
