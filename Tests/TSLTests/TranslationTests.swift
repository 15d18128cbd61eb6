import Testing
import TSL

@Suite struct TranslationTests {
    @Test(arguments: [
        // Fixed fields.
        ("name = 'a'", "(name = $1)", ["a"]),
        ("name != 'a'", "(name <> $1)", ["a"]),
        ("name <> 'a'", "(name <> $1)", ["a"]),
        ("spec.kind >= 'm'", "(kind >= $1)", ["m"]),
        ("generation < 3", "(generation < $1::bigint)", ["3"]),
        ("generation <= -007", "(generation <= $1::bigint)", ["-7"]),
        ("generation > 3", "(generation > $1::bigint)", ["3"]),
        ("created_time > '2024-01-02T03:04:05.5+01:00'", "(created_time > $1::timestamptz)", ["2024-01-02T03:04:05.5+01:00"]),
        ("ready = false", "(ready = $1::boolean)", ["false"]),
        ("name like 'a%'", "(name LIKE $1)", ["a%"]),
        ("name not like 'a%'", "(name NOT LIKE $1)", ["a%"]),
        ("name ilike 'a_'", "(name ILIKE $1)", ["a_"]),
        ("name not ilike 'a_'", "(name NOT ILIKE $1)", ["a_"]),
        ("name in ('a', 'b')", "(name IN ($1, $2))", ["a", "b"]),
        ("generation not in (1, 2)", "(generation NOT IN ($1::bigint, $2::bigint))", ["1", "2"]),
        ("generation between 1 and 5", "(generation BETWEEN $1::bigint AND $2::bigint)", ["1", "5"]),
        ("created_time not between '2024-01-01T00:00:00Z' and '2025-01-01T00:00:00Z'",
         "(created_time NOT BETWEEN $1::timestamptz AND $2::timestamptz)", ["2024-01-01T00:00:00Z", "2025-01-01T00:00:00Z"]),
        ("spec.kind is null", "(kind IS NULL)", []),
        ("spec.kind is not null", "(kind IS NOT NULL)", []),
        // Labels.
        ("labels.env = 'prod'", "(labels @> $1::jsonb)", [#"{"env":"prod"}"#]),
        ("labels.env != 'prod'", "((labels ->> $1::text) <> $2)", ["env", "prod"]),
        ("labels.env < 'm'", "((labels ->> $1::text) < $2)", ["env", "m"]),
        ("labels.example.com/team like 'b%'", "((labels ->> $1::text) LIKE $2)", ["example.com/team", "b%"]),
        ("labels.'example.com/team' not ilike 'B%'", "((labels ->> $1::text) NOT ILIKE $2)", ["example.com/team", "B%"]),
        ("labels.env in ('a', 'b')", "((labels ->> $1::text) IN ($2, $3))", ["env", "a", "b"]),
        ("labels.env not in ('a')", "((labels ->> $1::text) NOT IN ($2))", ["env", "a"]),
        ("labels.env between 'a' and 'b'", "((labels ->> $1::text) BETWEEN $2 AND $3)", ["env", "a", "b"]),
        ("labels.env is null", "(NOT jsonb_exists(labels, $1::text))", ["env"]),
        ("labels.env is not null", "(jsonb_exists(labels, $1::text))", ["env"]),
        // Conditions.
        ("status.conditions.Ready = 'True'",
         "(conditions @> $1::jsonb)", [#"[{"type":"Ready","status":"True"}]"#]),
        ("status.conditions.Ready != 'False'",
         "((SELECT c ->> 'status' FROM jsonb_array_elements(conditions) AS c WHERE c ->> 'type' = $1::text LIMIT 1) <> $2)", ["Ready", "False"]),
        ("status.conditions.Ready in ('False', 'Unknown')",
         "((SELECT c ->> 'status' FROM jsonb_array_elements(conditions) AS c WHERE c ->> 'type' = $1::text LIMIT 1) IN ($2, $3))", ["Ready", "False", "Unknown"]),
        ("status.conditions.Ready not in ('True')",
         "((SELECT c ->> 'status' FROM jsonb_array_elements(conditions) AS c WHERE c ->> 'type' = $1::text LIMIT 1) NOT IN ($2))", ["Ready", "True"]),
        ("status.conditions.Ready is null", "(NOT (conditions @> $1::jsonb))", [#"[{"type":"Ready"}]"#]),
        ("status.conditions.Ready is not null", "(conditions @> $1::jsonb)", [#"[{"type":"Ready"}]"#]),
        // Boolean structure.
        ("not name = 'a'", "(NOT (name = $1))", ["a"]),
        ("name = 'a' or spec.kind = 'b' and generation = 1",
         "((name = $1) OR ((kind = $2) AND (generation = $3::bigint)))", ["a", "b", "1"]),
        ("not name = 'a' and generation = 2", "((NOT (name = $1)) AND (generation = $2::bigint))", ["a", "2"]),
        ("name = 'a' and name = 'b' and name = 'c'", "((name = $1) AND (name = $2) AND (name = $3))", ["a", "b", "c"]),
        ("(name = 'a' or name = 'b') and not (ready = true)",
         "(((name = $1) OR (name = $2)) AND (NOT (ready = $3::boolean)))", ["a", "b", "true"]),
    ] as [(String, String, [String])])
    func translatesToExpectedSQL(text: String, sql: String, bindings: [String]) throws {
        let fragment = try Fixtures.compile(text)
        #expect(fragment == SQLFragment(sql: sql, bindings: bindings.map { Optional($0) }))
    }

    @Test func placeholdersStartWhereAsked() throws {
        let fragment = try Fixtures.compile("labels.env = 'a' or generation in (1, 2)", firstPlaceholder: 5)
        #expect(fragment.sql == "((labels @> $5::jsonb) OR (generation IN ($6::bigint, $7::bigint)))")
        #expect(fragment.bindings == [#"{"env":"a"}"#, "1", "2"])
    }

    @Test func parseThenTranslateMatchesCompile() throws {
        let text = "not (labels.env = 'a' and status.conditions.Ready != 'True') or name is null"
        let viaParse = try TSL.translate(TSL.parse(text), catalog: Fixtures.catalog, firstPlaceholder: 3)
        #expect(viaParse == (try Fixtures.compile(text, firstPlaceholder: 3)))
    }

    @Test func labelConstantsAreEscapedJSON() throws {
        let fragment = try Fixtures.compile(#"labels.'a' = 'quote " back \ end'"#)
        #expect(fragment.bindings == [#"{"a":"quote \" back \\ end"}"#])
    }

    @Test func injectionStyleValuesBecomeOneBinding() throws {
        let fragment = try Fixtures.compile("name = 'x''; drop table t; --'")
        #expect(fragment.sql == "(name = $1)")
        #expect(fragment.bindings == ["x'; drop table t; --"])

        let label = try Fixtures.compile("labels.'a' = ''') or true --'")
        #expect(label.sql == "(labels @> $1::jsonb)")
        #expect(label.bindings == [#"{"a":"') or true --"}"#])

        for text in ["' or '1'='1", "name = 'a' or 1=1", "name = 'a'; delete from t", "name = 'a' -- comment", "name = 'a' /* x */"] {
            #expect(Fixtures.compileError(text) != nil, "should be rejected: \(text)")
        }
    }
}
