import Testing
import TSL

@Suite struct ParserTests {
    @Test func comparisonOperators() throws {
        let cases: [(String, TSLComparisonOperator)] = [
            ("=", .equal), ("!=", .notEqual), ("<>", .notEqual), ("<", .less),
            ("<=", .lessOrEqual), (">", .greater), (">=", .greaterOrEqual),
        ]
        for (symbol, op) in cases {
            #expect(try TSL.parse("generation \(symbol) 3") == .compare(.named("generation"), op, .number("3")))
            #expect(try TSL.parse("generation\(symbol)3") == .compare(.named("generation"), op, .number("3")), "no spaces: \(symbol)")
        }
    }

    @Test func literals() throws {
        #expect(try TSL.parse("name = 'it''s'") == .compare(.named("name"), .equal, .string("it's")))
        #expect(try TSL.parse("name = ''") == .compare(.named("name"), .equal, .string("")))
        #expect(try TSL.parse("generation = -12") == .compare(.named("generation"), .equal, .number("-12")))
        #expect(try TSL.parse("generation = 1.25") == .compare(.named("generation"), .equal, .number("1.25")))
        #expect(try TSL.parse("ready = TRUE") == .compare(.named("ready"), .equal, .boolean(true)))
        #expect(try TSL.parse("ready = false") == .compare(.named("ready"), .equal, .boolean(false)))
        #expect(try TSL.parse("name = 'ünïcödé ✓'") == .compare(.named("name"), .equal, .string("ünïcödé ✓")))
    }

    @Test func likeInBetweenIsNull() throws {
        #expect(try TSL.parse("name like 'a%'") == .like(.named("name"), pattern: "a%", caseInsensitive: false, negated: false))
        #expect(try TSL.parse("name NOT ILike '_b'") == .like(.named("name"), pattern: "_b", caseInsensitive: true, negated: true))
        #expect(try TSL.parse("generation in (1, 2,3)") == .inList(.named("generation"), [.number("1"), .number("2"), .number("3")], negated: false))
        #expect(try TSL.parse("name not in ('a')") == .inList(.named("name"), [.string("a")], negated: true))
        #expect(try TSL.parse("generation between 1 and 5") == .between(.named("generation"), .number("1"), .number("5"), negated: false))
        #expect(try TSL.parse("generation NOT BETWEEN 1 AND 5") == .between(.named("generation"), .number("1"), .number("5"), negated: true))
        #expect(try TSL.parse("name is null") == .isNull(.named("name"), negated: false))
        #expect(try TSL.parse("name IS NOT NULL") == .isNull(.named("name"), negated: true))
    }

    @Test func precedence() throws {
        let a = TSLExpression.compare(.named("a"), .equal, .number("1"))
        let b = TSLExpression.compare(.named("b"), .equal, .number("2"))
        let c = TSLExpression.compare(.named("c"), .equal, .number("3"))
        #expect(try TSL.parse("a = 1 or b = 2 and c = 3") == .or(a, .and(b, c)))
        #expect(try TSL.parse("a = 1 and b = 2 or c = 3") == .or(.and(a, b), c))
        #expect(try TSL.parse("not a = 1 and b = 2") == .and(.not(a), b))
        #expect(try TSL.parse("not (a = 1 and b = 2)") == .not(.and(a, b)))
        #expect(try TSL.parse("(a = 1 or b = 2) and c = 3") == .and(.or(a, b), c))
        #expect(try TSL.parse("not not a = 1") == .not(.not(a)))
        #expect(try TSL.parse("((a = 1))") == a)
        #expect(try TSL.parse("a = 1 and b = 2 and c = 3") == .and(.and(a, b), c))
    }

    @Test func keywordsAreCaseInsensitive() throws {
        let lower = try TSL.parse("not name like 'x' and generation in (1) or name is not null")
        let mixed = try TSL.parse("NoT name LiKe 'x' AND generation IN (1) Or name IS NoT NuLl")
        #expect(lower == mixed)
    }

    @Test func labelKeys() throws {
        let expectations: [(String, String)] = [
            ("labels.env = 'x'", "env"),
            ("labels.app-name = 'x'", "app-name"),
            ("labels.app.kubernetes.io = 'x'", "app.kubernetes.io"),
            ("labels.example.com/team = 'x'", "example.com/team"),
            ("labels.'example.com/team' = 'x'", "example.com/team"),
            ("labels.my_key9 = 'x'", "my_key9"),
            ("labels.9 = 'x'", "9"),
        ]
        for (text, key) in expectations {
            #expect(try TSL.parse(text) == .compare(.label(key: key), .equal, .string("x")), "\(text)")
        }
        #expect(try TSL.parse("labels.a-b!='x'") == .compare(.label(key: "a-b"), .notEqual, .string("x")))
        #expect(try TSL.parse("labels.a is null") == .isNull(.label(key: "a"), negated: false))
    }

    @Test func conditionFields() throws {
        #expect(try TSL.parse("status.conditions.Ready = 'True'") == .compare(.condition(type: "Ready"), .equal, .string("True")))
        #expect(try TSL.parse("status.conditions.Av2 in ('True','False')") == .inList(.condition(type: "Av2"), [.string("True"), .string("False")], negated: false))
        #expect(try TSL.parse("status.phase = 'x'") == .compare(.named("status.phase"), .equal, .string("x")))
    }

    @Test func limitsAtTheBoundaryAreAccepted() throws {
        let nested = String(repeating: "(", count: 64) + "a = 1" + String(repeating: ")", count: 64)
        #expect(try TSL.parse(nested) == .compare(.named("a"), .equal, .number("1")))
        let nots = String(repeating: "not ", count: 64) + "a = 1"
        #expect(throws: Never.self) { try TSL.parse(nots) }
        let values = (1...1000).map(String.init).joined(separator: ",")
        guard case .inList(_, let parsed, _) = try TSL.parse("a in (\(values))") else {
            Issue.record("expected an in list")
            return
        }
        #expect(parsed.count == 1000)
        let long = "name = '" + String(repeating: "x", count: 4096 - 9) + "'"
        #expect(long.count == 4096)
        #expect(throws: Never.self) { try TSL.parse(long) }
    }
}
