import Testing
import TSL

/// Runs generated SQL against the real PostgreSQL server, with every binding sent as `text`
/// (as a driver sending `[String?]` would), and checks which rows match.
@Suite struct PostgresTests {
    static let schema = """
        CREATE TABLE items (
            id bigint PRIMARY KEY,
            name text NOT NULL,
            kind text,
            generation bigint NOT NULL,
            created_time timestamptz NOT NULL,
            ready boolean NOT NULL,
            labels jsonb NOT NULL DEFAULT '{}',
            conditions jsonb NOT NULL DEFAULT '[]'
        );
        CREATE INDEX items_labels ON items USING gin (labels);
        INSERT INTO items VALUES
            (1, 'alpha', 'web', 1, '2024-01-01T00:00:00Z', true,
             '{"env": "prod", "app-name": "shop", "example.com/team": "blue"}',
             '[{"type": "Ready", "status": "True"}, {"type": "Available", "status": "False"}]'),
            (2, 'beta', NULL, 5, '2024-06-01T12:00:00Z', false, '{"env": "dev"}', '[{"type": "Ready", "status": "False"}]'),
            (3, 'gamma', 'db', 10, '2025-01-01T00:00:00Z', true, '{}', '[]'),
            (4, 'O''Brien', 'Web', 7, '2024-03-15T08:30:00+02:00', false,
             '{"env": "staging", "example.com/team": "red"}', '[{"type": "Ready", "status": "Unknown"}]');
        """

    /// Expression -> ids of matching rows, ascending.
    static let cases: [(String, [Int])] = [
        ("name = 'alpha'", [1]),
        ("name = 'O''Brien'", [4]),
        ("generation >= 5 and generation < 10", [2, 4]),
        ("generation in (1, 10)", [1, 3]),
        ("generation not between 2 and 9", [1, 3]),
        ("spec.kind is null", [2]),
        ("spec.kind ilike 'WEB'", [1, 4]),
        ("spec.kind like 'W%'", [4]),
        ("spec.kind not like 'w%'", [3, 4]),
        ("ready = true", [1, 3]),
        ("created_time between '2024-03-15T06:30:00Z' and '2024-12-31T00:00:00Z'", [2, 4]),
        ("created_time < '2024-03-15T08:30:00+02:00'", [1]),
        ("labels.env = 'prod'", [1]),
        ("labels.env != 'prod'", [2, 4]),
        ("labels.env between 'd' and 'q'", [1, 2]),
        ("labels.example.com/team is null", [2, 3]),
        ("labels.'example.com/team' in ('blue', 'red')", [1, 4]),
        ("labels.app-name like 'sh%'", [1]),
        ("labels.env is not null and not labels.env in ('dev')", [1, 4]),
        ("status.conditions.Ready = 'True'", [1]),
        ("status.conditions.Ready != 'True'", [2, 4]),
        ("status.conditions.Ready in ('False', 'Unknown')", [2, 4]),
        ("status.conditions.Ready not in ('True', 'False')", [4]),
        ("status.conditions.Available is null", [2, 3, 4]),
        ("status.conditions.Ready is not null", [1, 2, 4]),
        ("not (generation > 1) or name = 'gamma'", [1, 3]),
        ("NOT name IN ('alpha', 'beta') AND spec.kind IS NOT NULL", [3, 4]),
        ("labels.env <> 'prod' or status.conditions.Ready not in ('True')", [2, 4]),
        ("name = 'x''; drop table items; --'", []),
        ("name like '%''%'", [4]),
    ]

    /// `PREPARE`s `fragment` as a query returning matching ids (comma-separated) with all parameters typed text.
    static func prepareAndExecute(_ name: String, _ fragment: SQLFragment, extraBindings: [String] = [], select: String = "SELECT coalesce(string_agg(id::text, ',' ORDER BY id), '') FROM items WHERE") -> String {
        let bindings = extraBindings.map { Optional($0) } + fragment.bindings
        let types = bindings.isEmpty ? "" : "(" + Array(repeating: "text", count: bindings.count).joined(separator: ", ") + ")"
        let arguments = bindings.isEmpty ? "" : "(" + bindings.map(TestDatabase.literal).joined(separator: ", ") + ")"
        return "PREPARE \(name)\(types) AS \(select) \(fragment.sql);\nEXECUTE \(name)\(arguments);\n"
    }

    @Test func matchingRows() async throws {
        try await TestDatabase.with { database in
            try await database.run(Self.schema)
            var script = ""
            for (index, (text, _)) in Self.cases.enumerated() {
                script += Self.prepareAndExecute("q\(index)", try Fixtures.compile(text))
            }
            script += "SELECT count(*) FROM items;\n"
            let lines = try await database.run(script)
            try #require(lines.count == Self.cases.count + 1, "unexpected psql output: \(lines)")
            for (index, (text, expected)) in Self.cases.enumerated() {
                let ids = lines[index].split(separator: ",").map { Int($0) }
                #expect(ids == expected.map { Optional($0) }, "\(text)")
            }
            #expect(lines.last == "4", "the table survived the injection-style input")
        }
    }

    @Test func placeholdersAfterOtherParameters() async throws {
        try await TestDatabase.with { database in
            try await database.run(Self.schema)
            // $1 and $2 belong to the caller's own conditions; the search starts at $3.
            let fragment = try Fixtures.compile("labels.env = 'dev' or status.conditions.Ready = 'Unknown'", firstPlaceholder: 3)
            let script = Self.prepareAndExecute(
                "paged", fragment, extraBindings: ["1", "4"],
                select: "SELECT coalesce(string_agg(id::text, ',' ORDER BY id), '') FROM items WHERE id > $1::bigint AND id <= $2::bigint AND"
            )
            #expect(try await database.run(script) == ["2,4"])
        }
    }

    @Test func orderingClausesAreValidSQL() async throws {
        try await TestDatabase.with { database in
            try await database.run(Self.schema)
            let specs: [(String?, String?, String)] = [
                (nil, nil, "3,2,4,1"),
                ("generation", "asc", "1,2,4,3"),
                ("ready desc, generation", "asc", "1,3,2,4"),
                ("id", nil, "4,3,2,1"),
            ]
            var script = ""
            for (orderBy, order, _) in specs {
                let clause = try ListOrdering.orderByClause(orderBy: orderBy, order: order, allowed: Fixtures.orderFields + [OrderField(name: "ready", sql: "ready")], idSQL: "id")
                script += "SELECT string_agg(id::text, ',' ORDER BY \(clause)) FROM items;\n"
            }
            #expect(try await database.run(script) == specs.map(\.2))
        }
    }

    @Test func equalityCanUseGINIndexes() async throws {
        try await TestDatabase.with { database in
            try await database.run(Self.schema + "\nCREATE INDEX items_conditions ON items USING gin (conditions);")
            let labels = try Fixtures.compile("labels.env = 'prod'")
            let conditions = try Fixtures.compile("status.conditions.Ready = 'True'")
            // Force a generic plan so the index must match the placeholder form, not a folded constant.
            let script = "SET enable_seqscan = off;\nSET plan_cache_mode = force_generic_plan;\n"
                + "PREPARE l(text, text) AS SELECT id FROM items WHERE \(labels.sql);\n"
                + "EXPLAIN (COSTS OFF) EXECUTE l('env', 'prod');\n"
                + "PREPARE c(text, text) AS SELECT id FROM items WHERE \(conditions.sql);\n"
                + "EXPLAIN (COSTS OFF) EXECUTE c('Ready', 'True');\n"
            let plan = try await database.run(script).joined(separator: "\n")
            #expect(plan.contains("items_labels"), "\(plan)")
            #expect(plan.contains("items_conditions"), "\(plan)")
        }
    }

    @Test func longestChainRunsInPostgres() async throws {
        // Close to the 4096-character limit: a 500-term chain must translate and execute.
        let text = (0..<500).map { _ in "id>0" }.joined(separator: " or ")
        #expect(text.count <= 4096)
        let fragment = try Fixtures.compile(text)
        #expect(fragment.bindings.count == 500)
        try await TestDatabase.with { database in
            try await database.run(Self.schema)
            #expect(try await database.run(Self.prepareAndExecute("chain", fragment)) == ["1,2,3,4"])
        }
    }
}
