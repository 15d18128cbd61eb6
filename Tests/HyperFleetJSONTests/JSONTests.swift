import Testing
@testable import HyperFleetJSON

@Suite struct JSONParsingTests {
    @Test(arguments: [
        ("null", JSONValue.null),
        ("true", .bool(true)),
        (" false ", .bool(false)),
        ("0", .int(0)),
        ("-0", .int(0)),
        ("42", .int(42)),
        ("-9223372036854775808", .int(Int64.min)),
        ("9223372036854775807", .int(Int64.max)),
        ("1.5", .double(1.5)),
        ("1e3", .double(1000)),
        ("-2.5E-3", .double(-0.0025)),
        ("\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"", .string("a\"b\\c/d\u{08}\u{0C}\n\r\t")),
        ("\"\\u00e9\\u4e2d\"", .string("é中")),
        ("\"\\ud83d\\ude00\"", .string("😀")),
        ("\"é😀\"", .string("é😀")),
        ("[]", .array([])),
        ("{}", .object([:])),
        ("[1, \"x\", null, [true]]", .array([.int(1), .string("x"), .null, .array([.bool(true)])])),
        ("{\"a\": {\"b\": [1, 2.5]}}", .object(["a": .object(["b": .array([.int(1), .double(2.5)])])])),
        ("\t\r\n{\"k\":1}\n", .object(["k": .int(1)])),
    ])
    func parsesValidDocuments(text: String, expected: JSONValue) throws {
        let parsed = try JSONValue.parse(Array(text.utf8))
        #expect(parsed == expected)
    }

    @Test func keepsIntDoubleAndBoolDistinct() throws {
        let parsed = try JSONValue.parse("[1, 1.0, true]")
        guard case .array(let items) = parsed else { Issue.record("not an array"); return }
        guard case .int(1) = items[0] else { Issue.record("1 should be int"); return }
        guard case .double(1.0) = items[1] else { Issue.record("1.0 should be double"); return }
        guard case .bool(true) = items[2] else { Issue.record("true should be bool"); return }
        #expect(items[0] != items[2])
    }

    @Test func bigIntegersBecomeDoubles() throws {
        let parsed = try JSONValue.parse("12345678901234567890")
        #expect(parsed == .double(12345678901234567168))
        let negative = try JSONValue.parse("-9223372036854775809")
        guard case .double = negative else { Issue.record("expected double, got \(negative)"); return }
    }

    @Test func duplicateKeysLastWins() throws {
        #expect(try JSONValue.parse("{\"a\":1,\"a\":2}") == .object(["a": .int(2)]))
    }

    @Test(arguments: [
        ("", "empty document"),
        ("   ", "empty document"),
        ("[1,]", "expected a value"),
        ("{\"a\":1,}", "expected a string key"),
        ("[1 2]", "expected ',' or ']'"),
        ("{\"a\" 1}", "expected ':'"),
        ("{a:1}", "expected a string key"),
        ("NaN", "expected a value"),
        ("Infinity", "expected a value"),
        ("-Infinity", "digits after '-'"),
        ("01", "leading zeros"),
        ("1.", "decimal point"),
        (".5", "expected a value"),
        ("1e", "exponent"),
        ("+1", "expected a value"),
        ("1e400", "out of range"),
        ("tru", "expected 'true'"),
        ("nul", "expected 'null'"),
        ("\"abc", "unterminated string"),
        ("\"a\\x\"", "invalid escape"),
        ("\"\\u12\"", "four hex digits"),
        ("\"\\ud800\"", "lone high surrogate"),
        ("\"\\udc00\"", "lone low surrogate"),
        ("\"\\ud800\\u0041\"", "not followed by a low surrogate"),
        ("\"a\u{01}b\"", "must be escaped"),
        ("\"tab\there\"", "must be escaped"),
        ("{} {}", "after the JSON value"),
        ("[", "unexpected end of input"),
        ("{\"a\":", "unexpected end of input"),
        ("'a'", "expected a value"),
    ])
    func rejectsInvalidDocuments(text: String, expectedFragment: String) {
        do {
            let value = try JSONValue.parse(Array(text.utf8))
            Issue.record("parsed \(text) as \(value)")
        } catch {
            #expect(error.message.contains(expectedFragment), "message: \(error.message)")
            #expect(error.message.contains("line"), "message should say where: \(error.message)")
        }
    }

    @Test func rejectsInvalidUTF8() {
        #expect(throws: JSONParseError.self) { try JSONValue.parse([0x22, 0xC3, 0x28, 0x22]) }
        #expect(throws: JSONParseError.self) { try JSONValue.parse([0xEF, 0xBB, 0xBF, 0x31]) } // BOM
    }

    @Test func errorNamesLineAndColumn() {
        do {
            _ = try JSONValue.parse("{\n  \"a\": [1,\n  ]\n}")
            Issue.record("should fail")
        } catch {
            #expect(error.message.contains("line 3, column 3"), "\(error.message)")
            #expect(error.offset == 15)
        }
    }

    @Test func depthLimitIs256() throws {
        let ok = String(repeating: "[", count: 256) + String(repeating: "]", count: 256)
        #expect(throws: Never.self) { try JSONValue.parse(ok) }
        let tooDeep = String(repeating: "[", count: 257) + String(repeating: "]", count: 257)
        #expect(throws: JSONParseError.self) { try JSONValue.parse(tooDeep) }
        let deepObjects = String(repeating: "{\"a\":", count: 300) + "1" + String(repeating: "}", count: 300)
        do {
            _ = try JSONValue.parse(deepObjects)
            Issue.record("should fail")
        } catch {
            #expect(error.message.contains("nesting deeper than 256"))
        }
        // Depth is about nesting, not count: many siblings are fine.
        let wide = "[" + Array(repeating: "[]", count: 1000).joined(separator: ",") + "]"
        #expect(try JSONValue.parse(wide).arrayValue?.count == 1000)
    }
}

@Suite struct JSONSerializationTests {
    @Test(arguments: [
        (JSONValue.object(["b": .int(1), "a": .array([.null, .bool(false)])]), "{\"a\":[null,false],\"b\":1}"),
        (.string("q\"\\/\n\u{01}é"), "\"q\\\"\\\\/\\n\\u0001é\""),
        (.double(1.5), "1.5"),
        (.double(1), "1.0"),
        (.double(.nan), "null"),
        (.double(.infinity), "null"),
        (.int(-7), "-7"),
        (.object([:]), "{}"),
        (.array([]), "[]"),
    ])
    func serializesCompactSorted(value: JSONValue, expected: String) {
        #expect(value.serialized() == expected)
    }

    @Test(arguments: [
        "{\"z\":[1,2.25,-3e-7,\"x\"],\"a\":{\"n\":null,\"t\":true}}",
        "\"\\ud83d\\ude00 \\u0000 \\u001f\"",
        "[1e300,-0.0,12345678901234567890]",
        "{\"\":{\"\":[]}}",
    ])
    func roundTrips(text: String) throws {
        let first = try JSONValue.parse(text)
        let again = try JSONValue.parse(first.serialized())
        #expect(again == first)
        #expect(again.serialized() == first.serialized())
    }

    @Test func equalValuesSerializeIdentically() throws {
        let one = try JSONValue.parse("{\"a\":1,\"b\":{\"c\":2,\"d\":3}}")
        let two = try JSONValue.parse("{\"b\":{\"d\":3,\"c\":2},\"a\":1}")
        #expect(one.serialized() == two.serialized())
    }
}

@Suite struct JSONSemanticsTests {
    @Test func intEqualsIntegralDouble() {
        #expect(JSONValue.int(1) == .double(1.0))
        #expect(JSONValue.double(-0.0) == .int(0))
        #expect(JSONValue.int(1) != .double(1.5))
        #expect(JSONValue.int(1) != .string("1"))
        #expect(JSONValue.bool(true) != .int(1))
        #expect(JSONValue.int(Int64.max) != .double(9223372036854775807.0)) // 2^63 is not Int64.max
    }

    @Test func hashAgreesWithEquality() {
        let set: Set<JSONValue> = [.int(1), .double(1.0), .object(["a": .int(2)]), .object(["a": .double(2)])]
        #expect(set.count == 2)
    }

    @Test func objectKeyOrderIgnored() throws {
        #expect(try JSONValue.parse("{\"a\":1,\"b\":2}") == JSONValue.parse("{\"b\":2.0,\"a\":1}"))
    }

    @Test func accessors() {
        #expect(JSONValue.object(["a": .null]).objectValue == ["a": .null])
        #expect(JSONValue.array([]).objectValue == nil)
        #expect(JSONValue.double(3).exactIntegerValue == 3)
        #expect(JSONValue.double(3.5).exactIntegerValue == nil)
        #expect(JSONValue.string("x").stringValue == "x")
    }

    @Test func codableThroughFoundation() throws {
        let value = JSONValue.object(["i": .int(5), "d": .double(2.5), "b": .bool(true), "s": .string("/x"),
                                      "n": .null, "a": .array([.int(1)])])
        let bytes = try JSONCoding.encode(value)
        #expect(String(decoding: bytes, as: UTF8.self) == "{\"a\":[1],\"b\":true,\"d\":2.5,\"i\":5,\"n\":null,\"s\":\"/x\"}")
        let decoded = try JSONCoding.decode(JSONValue.self, from: bytes)
        #expect(decoded == value)
        guard case .bool(true)? = decoded.objectValue?["b"] else { Issue.record("bool lost"); return }
        guard case .int(5)? = decoded.objectValue?["i"] else { Issue.record("int lost"); return }
    }

    @Test(arguments: [
        ("{\"a\":\"b\",\"c\":{\"d\":\"e\",\"f\":\"g\"}}", "{\"a\":\"z\",\"c\":{\"f\":null}}", "{\"a\":\"z\",\"c\":{\"d\":\"e\"}}"),
        ("{\"a\":\"b\"}", "{\"a\":\"c\"}", "{\"a\":\"c\"}"),
        ("{\"a\":\"b\"}", "{\"b\":\"c\"}", "{\"a\":\"b\",\"b\":\"c\"}"),
        ("{\"a\":\"b\"}", "{\"a\":null}", "{}"),
        ("{\"a\":[\"b\"]}", "{\"a\":\"c\"}", "{\"a\":\"c\"}"),
        ("{\"a\":\"c\"}", "{\"a\":[\"b\"]}", "{\"a\":[\"b\"]}"),
        ("{\"a\":{\"b\":\"c\"}}", "{\"a\":{\"b\":\"d\",\"c\":null}}", "{\"a\":{\"b\":\"d\"}}"),
        ("[1,2]", "{\"a\":\"b\",\"c\":null}", "{\"a\":\"b\"}"),
        ("{}", "{\"a\":{\"bb\":{\"ccc\":null}}}", "{\"a\":{\"bb\":{}}}"),
        ("{\"a\":1}", "[1]", "[1]"),
    ])
    func mergePatchFollowsRFC7396(target: String, patch: String, expected: String) throws {
        let result = try JSONValue.parse(target).mergePatched(with: JSONValue.parse(patch))
        #expect(result == (try JSONValue.parse(expected)))
    }
}
