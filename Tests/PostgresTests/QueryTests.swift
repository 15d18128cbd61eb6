import Postgres
import PostgresTestSupport
import Testing

@Suite struct QueryTests {
    @Test func parametersAndNulls() async throws {
        try await withPool { pool, _ in
            let result = try await pool.query(
                "SELECT $1::text AS name, $2::int AS count, $3::text AS missing, $4::bool AS flag",
                ["fleet", "42", nil, "true"])
            #expect(result.columns == ["name", "count", "missing", "flag"])
            #expect(result.count == 1)
            let row = try #require(result.first)
            #expect(row["name"] == "fleet")
            #expect(try row.int("count") == 42)
            #expect(row["missing"] == nil)
            #expect(try row.optionalInt("missing") == nil)
            #expect(try row.bool("flag"))
            #expect(row[0] == "fleet")
            #expect(row[3] == "t")
            #expect(row[9] == nil)
            #expect(row["nope"] == nil)
        }
    }

    @Test func unicodeAndLargeValuesRoundTrip() async throws {
        try await withPool { pool, _ in
            let unicode = "Grüße, 世界 🚀 — ‘quotes’ and \"double\" and \\ backslash"
            let echoed = try await pool.query("SELECT $1::text AS value, length($1::text) AS length", [unicode])
            #expect(echoed.first?["value"] == unicode)
            #expect(try echoed.first?.int("length") == Int64(unicode.count))

            let large = String(repeating: "abcdefghij", count: 100_000)  // 1 MB
            _ = try await pool.query("CREATE TABLE blobs (id int PRIMARY KEY, body text)")
            let insert = try await pool.query("INSERT INTO blobs VALUES (1, $1)", [large])
            #expect(insert.affectedRows == 1)
            let stored = try await pool.query("SELECT body, octet_length(body) AS size FROM blobs WHERE id = 1")
            #expect(try stored.first?.int("size") == 1_000_000)
            #expect(stored.first?["body"] == large)
        }
    }

    @Test func affectedRowsAndMultipleRows() async throws {
        try await withPool { pool, _ in
            try await pool.withConnection { connection in
                try await connection.execute("CREATE TABLE items (id int PRIMARY KEY, label text); INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 25) g")
                let updated = try await connection.query("UPDATE items SET label = upper(label) WHERE id <= $1::int", ["10"])
                #expect(updated.affectedRows == 10)
                let rows = try await connection.query("SELECT id, label FROM items ORDER BY id")
                #expect(rows.count == 25)
                #expect(rows.map { $0["id"] } == (1...25).map { String($0) })
                #expect(rows[0]["label"] == "ITEM 1")
                #expect(rows[24]["label"] == "item 25")
                let none = try await connection.query("SELECT id FROM items WHERE id < 0")
                #expect(none.isEmpty)
                #expect(none.columns == ["id"])
            }
        }
    }

    @Test func decodingErrorsNameTheColumn() async throws {
        try await withPool { pool, _ in
            let row = try #require(try await pool.query("SELECT NULL::text AS empty, 'x' AS word, 'maybe' AS fuzzy").first)
            let nullError = #expect(throws: PostgresError.self) { try row.text("empty") }
            #expect(nullError?.kind == .decoding)
            #expect(nullError?.message.contains("\"empty\"") == true)
            let absentError = #expect(throws: PostgresError.self) { try row.int("absent") }
            #expect(absentError?.message.contains("\"absent\"") == true)
            let intError = #expect(throws: PostgresError.self) { try row.int("word") }
            #expect(intError?.message.contains("\"word\"") == true)
            #expect(throws: PostgresError.self) { try row.bool("fuzzy") }
            #expect(throws: PostgresError.self) { try row.optionalInt("absent") }
        }
    }

    @Test func serverErrorsCarryDiagnostics() async throws {
        try await withPool { pool, _ in
            let error = await #expect(throws: PostgresError.self) { try await pool.query("SELECT * FROM no_such_table") }
            #expect(error?.kind == .server)
            #expect(error?.sqlState == "42P01")
            #expect(error?.message.contains("no_such_table") == true)
            #expect(error?.isUnavailable == false)
            // The session survives a statement error and is reused.
            #expect(pool.statistics.open == 1)
            let one = try await pool.query("SELECT 1 AS one").first?["one"]
            #expect(one == "1")
            #expect(pool.statistics.open == 1)
        }
    }

    @Test func multipleStatementsNeedExecute() async throws {
        try await withPool { pool, _ in
            await #expect(throws: PostgresError.self) { try await pool.query("SELECT 1; SELECT 2") }
            try await pool.withConnection { connection in
                try await connection.execute("CREATE TABLE a (x int); INSERT INTO a VALUES (1); INSERT INTO a VALUES (2)")
                #expect(try await connection.query("SELECT count(*) AS n FROM a").first?.int("n") == 2)
                let error = await #expect(throws: PostgresError.self) { try await connection.execute("INSERT INTO a VALUES (3); SELECT 1/0") }
                #expect(error?.sqlState == "22012")
                // The implicit transaction of a multi-statement PQexec rolls back as a whole.
                #expect(try await connection.query("SELECT count(*) AS n FROM a").first?.int("n") == 2)
            }
        }
    }

    @Test func sessionSettingsAreApplied() async throws {
        // Long enough that no ordinary statement of this test reaches it on a loaded machine (300 ms once did).
        try await withPool(statementTimeout: .seconds(3)) { pool, _ in
            let row = try #require(try await pool.query(
                "SELECT current_setting('TimeZone') AS tz, current_setting('DateStyle') AS ds, current_setting('application_name') AS app, current_setting('statement_timeout') AS st"
            ).first)
            #expect(row["tz"] == "UTC")
            #expect(row["ds"]?.hasPrefix("ISO") == true)
            #expect(row["app"] == "hyperfleet")
            #expect(row["st"] == "3s")
            #expect(try await pool.query("SELECT '2024-05-01 12:00:00+02'::timestamptz::text AS t").first?["t"] == "2024-05-01 10:00:00+00")

            let error = await #expect(throws: PostgresError.self) { try await pool.query("SELECT pg_sleep(60)") }
            #expect(error?.sqlState == "57014")
            #expect(try await pool.query("SELECT 2 AS two").first?["two"] == "2")
        }
    }

    @Test func connectionStringCanOverrideApplicationName() async throws {
        try await withPool { _, connectionString in
            let pool = PostgresPool(
                configuration: PostgresConfiguration(connectionString: connectionString + " application_name='from-string'"),
                logger: TestDatabase.silentLogger)
            let name = try await pool.query("SELECT current_setting('application_name') AS app").first?["app"]
            await pool.close()
            #expect(name == "from-string")
        }
    }

    @Test func pingReportsReachability() async throws {
        try await withPool { pool, _ in
            #expect(await pool.ping())
        }
        let unreachable = PostgresPool(
            configuration: PostgresConfiguration(connectionString: "postgresql://postgres@127.0.0.1:1/postgres", connectTimeout: .seconds(2)),
            logger: TestDatabase.silentLogger)
        #expect(await unreachable.ping() == false)
        await unreachable.close()
    }
}

@Suite struct PreparedQueryTests {
    /// A prepared statement gives what the plain one gives, for each new parameter, and is prepared
    /// once per session (the session's prepared statements show it once).
    @Test func preparedOncePerSessionAndSameResults() async throws {
        try await withPool(poolSize: 1) { pool, _ in
            let sql = "SELECT v, v * $2::int AS scaled FROM unnest($1::int[]) AS t(v) ORDER BY v"
            for (values, factor) in [("{1,2,3}", "2"), ("{5}", "10"), ("{}", "3")] {
                let plain = try await pool.query(sql, [values, factor])
                let prepared = try await pool.withConnection { try await $0.queryPrepared(sql, [values, factor]) }
                #expect(prepared.map { $0["scaled"] } == plain.map { $0["scaled"] })
                #expect(prepared.columns == plain.columns)
            }
            let count = try await pool.withConnection { connection in
                try await connection.query("SELECT count(*) AS n FROM pg_prepared_statements WHERE statement = $1", [sql]).first?.int("n")
            }
            #expect(count == 1)
            // Errors in a prepared statement surface like any other.
            await #expect(throws: PostgresError.self) {
                _ = try await pool.withConnection { try await $0.queryPrepared("SELECT 1 / $1::int AS x", ["0"]) }
            }
            let after = try await pool.withConnection { try await $0.queryPrepared("SELECT 1 / $1::int AS x", ["1"]) }
            #expect(after.first?["x"] == "1")
        }
    }
}
