import Postgres
import PostgresTestSupport
import Testing

/// `withTransaction(settingLocally:)`: settings sent with BEGIN, escaped as literals, gone after the transaction.
@Suite struct TransactionSettingsTests {
    static let awkward = [
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        #"it's "quoted" \ and \\ backslashed"#,
        "'); DROP TABLE canary; --",
        "$$ dollar $$ and $tag$",
        "ünïcødé and tabs\tand newlines\nstay",
    ]

    @Test func valuesReachTheTransactionExactlyAndEndWithIt() async throws {
        try await withPool(poolSize: 1) { pool, _ in
            _ = try await pool.query("CREATE TABLE canary (id int)")
            for value in Self.awkward {
                let seen = try await pool.withTransaction(settingLocally: [(name: "hyperfleet.test_a", value: value), (name: "hyperfleet.test_b", value: "b")]) {
                    connection in
                    try await connection.query("SELECT current_setting('hyperfleet.test_a') AS a, current_setting('hyperfleet.test_b') AS b").first
                }
                #expect(seen?["a"] == value)
                #expect(seen?["b"] == "b")
                // Transaction-local: the same (only) session no longer has them.
                let after = try await pool.query("SELECT nullif(current_setting('hyperfleet.test_a', true), '') AS a").first
                #expect(after?["a"] == nil)
            }
            #expect(try await pool.query("SELECT count(*) AS n FROM canary").first?.int("n") == 0)
            try await expectOutsideTransaction(pool)
        }
    }

    @Test func noSettingsIsAPlainTransactionAndAFailureStillRollsBack() async throws {
        try await withPool(poolSize: 1) { pool, _ in
            _ = try await pool.query("CREATE TABLE t (id int PRIMARY KEY)")
            let unset = try await pool.withTransaction(settingLocally: []) { connection in
                _ = try await connection.query("INSERT INTO t VALUES (1)")
                return try await connection.query("SELECT current_setting('hyperfleet.test_c', true) AS c").first?["c"]
            }
            #expect(unset == nil)
            struct Abort: Error {}
            await #expect(throws: Abort.self) {
                try await pool.withTransaction(settingLocally: [(name: "hyperfleet.test_c", value: "x")]) { connection in
                    _ = try await connection.query("INSERT INTO t VALUES (2)")
                    throw Abort()
                }
            }
            #expect(try await pool.query("SELECT count(*) AS n FROM t").first?.int("n") == 1)
            try await expectOutsideTransaction(pool)
        }
    }

    @Test func aSettingTheServerRefusesFailsTheTransactionAndLeavesTheSessionClean() async throws {
        try await withPool(poolSize: 1) { pool, _ in
            _ = try await pool.query("CREATE TABLE t (id int)")
            // A name without a dot is no custom setting: set_config fails after BEGIN went through, and
            // the body's statement (sent in the same round trip) does not run.
            await #expect(throws: PostgresError.self) {
                try await pool.withTransaction(settingLocally: [(name: "nodot", value: "x")]) { connection in
                    _ = try await connection.query("INSERT INTO t VALUES (1)")
                }
            }
            try await expectOutsideTransaction(pool)
            #expect(try await pool.query("SELECT count(*) AS n FROM t").first?.int("n") == 0)
            // A body that sends nothing opens no transaction: nothing reaches the server to refuse.
            try await pool.withTransaction(settingLocally: [(name: "nodot", value: "x")]) { _ in }
            try await expectOutsideTransaction(pool)
        }
    }
}
