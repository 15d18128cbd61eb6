import Testing
import TSL

@Suite struct SyntaxErrorTests {
    /// Parses `text`, requires a TSLError and returns it.
    private func parseError(_ text: String) throws -> TSLError {
        try #require(Fixtures.error { _ = try TSL.parse(text) }, "expected a syntax error for: \(text)")
    }

    @Test(arguments: [
        ("name = 'abc", 8, "unterminated string"),
        ("name = 'a' garbage", 12, "unexpected 'garbage'"),
        ("()", 1, "empty parentheses"),
        ("name = 'a' and ()", 16, "empty parentheses"),
        ("name =", 7, "missing right operand"),
        ("generation between 1 and", 25, "missing right operand"),
        ("name", 5, "expected an operator"),
        ("name = 'a' and", 15, "expected a field name"),
        ("(name = 'a'", 12, "expected ')'"),
        ("name = 'a')", 11, "unexpected ')'"),
        ("name ! 'a'", 6, "unexpected character '!'"),
        ("name = 'a'; drop table t", 11, "unexpected character ';'"),
        ("name = null", 8, "is null"),
        ("name is 'x'", 9, "expected 'null'"),
        ("name not = 'x'", 10, "expected 'like'"),
        ("name like 3", 11, "quoted pattern"),
        ("name in 'a'", 9, "expected '('"),
        ("name in ()", 9, "empty 'in' list"),
        ("name in ('a' 'b')", 14, "expected ',' or ')'"),
        ("generation between 1 or 2", 22, "expected 'and'"),
        ("generation = 12abc", 14, "invalid number"),
        ("generation = 1.", 14, "invalid number"),
        ("generation = - 1", 14, "unexpected character '-'"),
        ("= 'a'", 1, "expected a field name"),
        ("and = 1", 1, "expected a field name"),
        ("' or '1'='1", 1, "expected a field name"),
        ("   ", 1, "empty"),
        ("", 1, "empty"),
        ("status.conditions.9x = 'True'", 1, "invalid condition type"),
        ("name = 'a' or\n\tname = €", 23, "unexpected character '€'"),
    ] as [(String, Int, String)])
    func reportsPosition(text: String, position: Int, fragment: String) throws {
        let error = try parseError(text)
        #expect(error.position == position, "\(text): \(error.message)")
        #expect(error.message.contains(fragment), "\(text): \(error.message)")
        #expect(error.message.contains("at position \(position)"), "\(text): \(error.message)")
        #expect(error.description == error.message)
    }

    @Test(arguments: [
        "labels.-bad", "labels.bad-", "labels.", "labels.''", "labels.a/b/c", "labels./name",
        "labels.Example.com/team", "labels.example..com/team", "labels.-example.com/team",
        "labels.example.com/", "labels.'has space'", "labels.'ü'",
        "labels." + String(repeating: "a", count: 64),
        "labels." + String(repeating: "a", count: 254) + "/x",
    ])
    func invalidLabelKeysAreNamed(field: String) throws {
        let error = try parseError("\(field) = 'x'")
        #expect(error.message.contains("invalid label key"), "\(error.message)")
        #expect(error.position == 1)
        #expect(error.field?.hasPrefix("labels.") == true)
    }

    @Test func validLabelKeysAtTheirLimits() throws {
        let name63 = String(repeating: "a", count: 63)
        let prefix253 = (0..<4).map { _ in String(repeating: "b", count: 62) }.joined(separator: ".") + ".c"
        #expect(prefix253.count == 253)
        #expect(throws: Never.self) { try TSL.parse("labels.\(name63) = 'x'") }
        #expect(throws: Never.self) { try TSL.parse("labels.\(prefix253)/\(name63) = 'x'") }
        #expect(throws: Never.self) { try TSL.parse("labels.'a-1.b/C_d.e' = 'x'") }
    }

    @Test func limits() throws {
        let deep = String(repeating: "(", count: 65) + "a = 1" + String(repeating: ")", count: 65)
        #expect(try parseError(deep).message.contains("nested deeper than 64"))
        let deepNot = String(repeating: "not ", count: 65) + "a = 1"
        #expect(try parseError(deepNot).message.contains("nested deeper than 64"))
        let values = (1...1001).map(String.init).joined(separator: ",")
        let tooMany = try parseError("a in (\(values))")
        #expect(tooMany.message.contains("at most 1000"))
        let long = "name = '" + String(repeating: "x", count: 4096 - 8) + "'"
        #expect(long.count == 4097)
        #expect(try parseError(long).message.contains("longer than 4096"))
        #expect(try parseError(String(repeating: "x", count: 1_000_000)).message.contains("longer than 4096"))
    }

    @Test func nulCharacterInStringIsRejected() throws {
        let error = try parseError("name = 'a\u{0}b'")
        #expect(error.message.contains("NUL"))
        #expect(error.position == 10)
    }
}

@Suite struct CompileErrorTests {
    private func compileError(_ text: String) throws -> TSLError {
        try #require(Fixtures.compileError(text), "expected a compile error for: \(text)")
    }

    @Test(arguments: [
        ("generation = 'x'", "generation", "integer"),
        ("generation = 1.5", "generation", "integer"),
        ("generation = 99999999999999999999", "generation", "64-bit integer"),
        ("generation in (1, 'two')", "generation", "integer"),
        ("generation between 1 and true", "generation", "integer"),
        ("name = 3", "name", "text"),
        ("name = true", "name", "text"),
        ("ready = 'yes'", "ready", "boolean"),
        ("generation like '1%'", "generation", "needs a text field"),
        ("created_time ilike '2024%'", "created_time", "needs a text field"),
        ("created_time > 'yesterday'", "created_time", "RFC 3339"),
        ("created_time > '2024-13-01T00:00:00Z'", "created_time", "month out of range"),
        ("created_time > '2023-02-29T00:00:00Z'", "created_time", "day out of range"),
        ("created_time > '2024-01-01T24:00:00Z'", "created_time", "time of day"),
        ("created_time > '2024-01-01T00:00:60Z'", "created_time", "time of day"),
        ("created_time > '0000-01-01T00:00:00Z'", "created_time", "year"),
        ("created_time > '2024-01-01T00:00:00'", "created_time", "time zone"),
        ("created_time > '2024-01-01T00:00:00+16:00'", "created_time", "offset"),
        ("created_time > '2024-01-01T00:00:00.Z'", "created_time", "RFC 3339"),
        ("created_time > '2024-01-01'", "created_time", "RFC 3339"),
        ("created_time > 20240101", "created_time", "timestamp"),
        ("labels.env = 1", "labels.env", "quoted string"),
        ("labels.env in ('a', false)", "labels.env", "quoted string"),
        ("status.conditions.Ready = 'Yes'", "status.conditions.Ready", "'True', 'False' or 'Unknown'"),
        ("status.conditions.Ready = 'true'", "status.conditions.Ready", "'True', 'False' or 'Unknown'"),
        ("status.conditions.Ready in ('True', 1)", "status.conditions.Ready", "'True', 'False' or 'Unknown'"),
        ("status.conditions.Ready > 'True'", "status.conditions.Ready", "supports only"),
        ("status.conditions.Ready like 'T%'", "status.conditions.Ready", "supports only"),
        ("status.conditions.Ready between 'False' and 'True'", "status.conditions.Ready", "supports only"),
    ] as [(String, String, String)])
    func wrongValueTypeNamesTheField(text: String, field: String, fragment: String) throws {
        let error = try compileError(text)
        #expect(error.field == field, "\(text): \(error.message)")
        #expect(error.message.contains(fragment), "\(text): \(error.message)")
        #expect(error.message.contains(field), "\(text): \(error.message)")
    }

    @Test func unknownFieldListsAllowedFields() throws {
        let error = try compileError("name = 'a' and colour = 'red'")
        #expect(error.field == "colour")
        #expect(error.message == "unknown field 'colour'; allowed fields: id, name, spec.kind, generation, created_time, ready, labels.<key>, status.conditions.<Type>")
    }

    @Test func dynamicFamiliesNeedTheirColumns() throws {
        let catalog = Fixtures.plainCatalog
        #expect(catalog.allowedFieldNames == ["id", "name", "spec.kind", "generation", "created_time", "ready"])
        let label = try #require(Fixtures.error { _ = try TSL.compile("labels.env = 'a'", catalog: catalog, firstPlaceholder: 1) })
        #expect(label.message.hasPrefix("unknown field 'labels.env'"))
        let condition = try #require(Fixtures.error { _ = try TSL.compile("status.conditions.Ready is null", catalog: catalog, firstPlaceholder: 1) })
        #expect(condition.message.hasPrefix("unknown field 'status.conditions.Ready'"))
    }

    @Test func fieldNamesAreCaseSensitive() throws {
        #expect(try compileError("Name = 'a'").field == "Name")
    }
}
