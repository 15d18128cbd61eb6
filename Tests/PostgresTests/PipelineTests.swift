import Postgres
import PostgresTestSupport
import Testing

private struct AbortBody: Error {}

/// Several statements in one round trip (`queries`, `queriesThenCommit`) and the BEGIN that goes out
/// with a transaction's first statement.
@Suite struct PipelineTests {
    @Test func statementsRunInOrderAndReturnTheirOwnResults() async throws {
        try await withPool(poolSize: 1) { pool, _ in
            _ = try await pool.query("CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL)")
            for round in 0..<3 {
                let results = try await pool.withConnection { connection in
                    try await connection.queries([
                        PipelinedStatement("INSERT INTO items VALUES ($1::int, $2)", [String(round * 2), "a\(round)"], prepared: true),
                        PipelinedStatement("INSERT INTO items VALUES ($1::int, $2)", [String(round * 2 + 1), "b\(round)"]),
                        PipelinedStatement("SELECT count(*) AS n FROM items"),
                        PipelinedStatement("SELECT name FROM items WHERE id = $1::int", [String(round * 2)], prepared: true),
                    ])
                }
                #expect(results.count == 4)
                #expect(results[0].affectedRows == 1)
                #expect(results[1].affectedRows == 1)
                // Each statement saw the ones before it.
                #expect(try results[2].first?.int("n") == Int64(round * 2 + 2))
                #expect(try results[3].first?.text("name") == "a\(round)")
            }
        }
    }

    @Test func theFirstFailureSkipsTheRestAndTheSessionStaysUsable() async throws {
        try await withPool(poolSize: 1) { pool, _ in
            _ = try await pool.query("CREATE TABLE items (id int PRIMARY KEY)")
            let error = await #expect(throws: PostgresError.self) {
                try await pool.withTransaction { connection in
                    try await connection.queries([
                        PipelinedStatement("INSERT INTO items VALUES (1)"),
                        PipelinedStatement("INSERT INTO items VALUES (1)"),
                        PipelinedStatement("INSERT INTO items VALUES (3)"),
                    ])
                }
            }
            #expect(error?.isUniqueViolation == true)
            #expect(try await pool.query("SELECT count(*) AS n FROM items").first?.int("n") == 0)
            #expect(pool.statistics.open == 1)
            try await expectOutsideTransaction(pool)
        }
    }

    @Test func withoutATransactionOneCallCommitsOrFailsAsAWhole() async throws {
        try await withPool(poolSize: 1) { pool, _ in
            _ = try await pool.query("CREATE TABLE items (id int PRIMARY KEY)")
            await #expect(throws: PostgresError.self) {
                try await pool.withConnection { connection in
                    try await connection.queries([
                        PipelinedStatement("INSERT INTO items VALUES (1)"), PipelinedStatement("SELECT 1/0"),
                    ])
                }
            }
            // The protocol's implicit transaction lasts up to the pipeline's Sync.
            #expect(try await pool.query("SELECT count(*) AS n FROM items").first?.int("n") == 0)
        }
    }

    @Test func aStatementFirstPreparedInAFailedPipelineIsPreparedAgainLater() async throws {
        try await withPool(poolSize: 1) { pool, _ in
            let sql = "SELECT $1::int + 1 AS next"
            await #expect(throws: PostgresError.self) {
                try await pool.withConnection { connection in
                    try await connection.queries([PipelinedStatement("SELECT 1/0"), PipelinedStatement(sql, ["1"], prepared: true)])
                }
            }
            let next = try await pool.withConnection { connection in
                try await connection.queries([PipelinedStatement(sql, ["41"], prepared: true)])[0].first?.int("next")
            }
            #expect(next == 42)
            // And it stays prepared: the plain one-statement path finds it.
            #expect(try await pool.withConnection { try await $0.queryPrepared(sql, ["1"]).first?.int("next") } == 2)
        }
    }

    @Test func queriesThenCommitCommitsAndNothingMayFollow() async throws {
        try await withPool(poolSize: 1) { pool, _ in
            _ = try await pool.query("CREATE TABLE items (id int PRIMARY KEY)")
            let error = await #expect(throws: PostgresError.self) {
                try await pool.withTransaction { connection in
                    _ = try await connection.query("INSERT INTO items VALUES (1)")
                    _ = try await connection.queriesThenCommit([PipelinedStatement("INSERT INTO items VALUES (2)")])
                    _ = try await connection.query("INSERT INTO items VALUES (3)")
                }
            }
            #expect(error?.message.contains("after its transaction's COMMIT") == true)
            #expect(try await pool.query("SELECT array_agg(id ORDER BY id)::text AS ids FROM items").first?.text("ids") == "{1,2}")
            try await expectOutsideTransaction(pool)
        }
    }

    @Test func aFailingStatementSkipsTheCommitAndTheTransactionRollsBack() async throws {
        try await withPool(poolSize: 1) { pool, _ in
            _ = try await pool.query("CREATE TABLE items (id int PRIMARY KEY)")
            let error = await #expect(throws: PostgresError.self) {
                try await pool.withTransaction { connection in
                    _ = try await connection.query("INSERT INTO items VALUES (1)")
                    _ = try await connection.queriesThenCommit([PipelinedStatement("INSERT INTO items VALUES (1)")])
                }
            }
            #expect(error?.isUniqueViolation == true)
            #expect(try await pool.query("SELECT count(*) AS n FROM items").first?.int("n") == 0)
            try await expectOutsideTransaction(pool)
        }
    }

    @Test func aFailedCommitIsThrownAndLeavesNothing() async throws {
        try await withPool(poolSize: 1) { pool, _ in
            _ = try await pool.query("CREATE TABLE items (id int, CONSTRAINT items_unique UNIQUE (id) DEFERRABLE INITIALLY DEFERRED)")
            let error = await #expect(throws: PostgresError.self) {
                try await pool.withTransaction { connection in
                    _ = try await connection.queriesThenCommit([
                        PipelinedStatement("INSERT INTO items VALUES (1)"), PipelinedStatement("INSERT INTO items VALUES (1)"),
                    ])
                }
            }
            // Both inserts ran; the deferred check failed the COMMIT itself.
            #expect(error?.constraint == "items_unique")
            #expect(try await pool.query("SELECT count(*) AS n FROM items").first?.int("n") == 0)
            #expect(pool.statistics.open == 1)
            try await expectOutsideTransaction(pool)
        }
    }

    @Test func beginGoesOutWithTheFirstStatementAndABodyWithoutStatementsOpensNoTransaction() async throws {
        try await withPool(poolSize: 1) { pool, _ in
            let (first, second) = try await pool.withTransaction(settingLocally: [(name: "hf.test", value: "it's set")]) { connection in
                let first = try await connection.query("SELECT txid_current() AS xid, current_setting('hf.test') AS setting")
                let second = try await connection.query("SELECT txid_current() AS xid")
                return (first, second)
            }
            // Both statements ran in the one transaction that BEGIN opened, with its setting.
            #expect(try first.first?.text("setting") == "it's set")
            #expect(try first.first?.int("xid") == second.first?.int("xid"))
            let value = try await pool.withTransaction { _ in 7 }
            #expect(value == 7)
            await #expect(throws: AbortBody.self) { try await pool.withTransaction { _ in throw AbortBody() } }
            try await expectOutsideTransaction(pool)
            #expect(pool.statistics.open == 1)
        }
    }

    /// The backend dies while a pipeline waits in its middle statement: the error says the database is
    /// unavailable, the session is discarded, and the pool opens a fresh one.
    @Test func aBackendKilledInTheMiddleOfAPipelineFailsItAndTheSessionIsReplaced() async throws {
        try await withPool(poolSize: 1) { pool, connectionString in
            let pid = try #require(try await pool.query("SELECT pg_backend_pid()::text AS pid").first?.text("pid"))
            let killer = Task {
                // Once the pipeline's second statement is running, end its backend.
                for _ in 0..<200 {
                    let running = try await runSeparately(
                        connectionString, "SELECT 1 FROM pg_stat_activity WHERE pid = $1::int AND query LIKE '%pg_sleep(30)%'", [pid])
                    if !running.isEmpty { break }
                    try await Task.sleep(for: .milliseconds(25))
                }
                try await terminateBackend(connectionString, pid: pid)
            }
            let error = await #expect(throws: PostgresError.self) {
                try await pool.withTransaction { connection in
                    try await connection.queries([
                        PipelinedStatement("SELECT 1"), PipelinedStatement("SELECT pg_sleep(30)"), PipelinedStatement("SELECT 2"),
                    ])
                }
            }
            try await killer.value
            #expect(error?.isUnavailable == true)
            // Read before the session was freed (it once read freed memory and said "out of memory").
            let message = error.map { "\($0)" } ?? ""
            #expect(message.contains("terminat") || message.contains("closed the connection"), "\(message)")
            #expect(pool.statistics.open == 0)
            #expect(try await pool.query("SELECT 3 AS three").first?.int("three") == 3)
        }
    }

    /// A statement of a pipeline that runs past the statement timeout is cancelled by the server: the
    /// rest is skipped, the timeout is the error, and the session serves the next request. (The timeout
    /// is the transaction's own, so no other statement of the test can hit it on a loaded machine.)
    @Test func aStatementTimeoutInAPipelineFailsItAndKeepsTheSession() async throws {
        try await withPool(poolSize: 1) { pool, _ in
            _ = try await pool.query("CREATE TABLE items (id int)")
            let error = await #expect(throws: PostgresError.self) {
                try await pool.withTransaction { connection in
                    try await connection.queriesThenCommit([
                        PipelinedStatement("SET LOCAL statement_timeout = '300ms'"), PipelinedStatement("INSERT INTO items VALUES (1)"),
                        PipelinedStatement("SELECT pg_sleep(5)"), PipelinedStatement("INSERT INTO items VALUES (2)"),
                    ])
                }
            }
            #expect(error?.sqlState == "57014")
            #expect(try await pool.query("SELECT count(*) AS n FROM items").first?.int("n") == 0)
            #expect(pool.statistics.open == 1)
            try await expectOutsideTransaction(pool)
        }
    }
}
