import Postgres
import PostgresTestSupport
import Testing

private struct AbortBody: Error {}

@Suite struct TransactionTests {
    @Test func commitMakesChangesVisible() async throws {
        try await withPool { pool, _ in
            _ = try await pool.query("CREATE TABLE accounts (id int PRIMARY KEY, balance int NOT NULL)")
            let inserted = try await pool.withTransaction { connection in
                _ = try await connection.query("INSERT INTO accounts VALUES (1, 100)")
                return try await connection.query("INSERT INTO accounts VALUES (2, 50)").affectedRows
            }
            #expect(inserted == 1)
            #expect(try await pool.query("SELECT sum(balance) AS total FROM accounts").first?.int("total") == 150)
        }
    }

    @Test func thrownErrorRollsBack() async throws {
        try await withPool(poolSize: 1) { pool, _ in
            _ = try await pool.query("CREATE TABLE accounts (id int PRIMARY KEY)")
            await #expect(throws: AbortBody.self) {
                try await pool.withTransaction { connection in
                    _ = try await connection.query("INSERT INTO accounts VALUES (1)")
                    throw AbortBody()
                }
            }
            #expect(try await pool.query("SELECT count(*) AS n FROM accounts").first?.int("n") == 0)
            // The rolled-back session went back to the pool in a clean state.
            #expect(pool.statistics.open == 1)
            try await expectOutsideTransaction(pool)
        }
    }

    @Test func uniqueViolationIsDetected() async throws {
        try await withPool { pool, _ in
            _ = try await pool.query("CREATE TABLE clusters (id int PRIMARY KEY, name text CONSTRAINT clusters_name_key UNIQUE)")
            _ = try await pool.query("INSERT INTO clusters VALUES (1, 'alpha')")
            let error = await #expect(throws: PostgresError.self) {
                try await pool.withTransaction { connection in
                    try await connection.query("INSERT INTO clusters VALUES (2, 'alpha')")
                }
            }
            #expect(error?.isUniqueViolation == true)
            #expect(error?.sqlState == "23505")
            #expect(error?.constraint == "clusters_name_key")
            #expect(error?.detail?.contains("alpha") == true)
            #expect(try await pool.query("SELECT count(*) AS n FROM clusters").first?.int("n") == 1)
        }
    }

    @Test func serializationFailuresAreRetried() async throws {
        try await withPool { pool, _ in
            _ = try await pool.query("CREATE TABLE log (attempt int)")
            let attempts = Recorder<Int>()
            let result = try await pool.withTransaction { connection in
                attempts.append(attempts.all.count + 1)
                _ = try await connection.query("INSERT INTO log VALUES ($1::int)", [String(attempts.all.count)])
                if attempts.all.count < 3 {
                    try await connection.execute("DO $$ BEGIN RAISE EXCEPTION 'simulated' USING ERRCODE = 'serialization_failure'; END $$")
                }
                return "done"
            }
            #expect(result == "done")
            #expect(attempts.all == [1, 2, 3])
            // Only the successful attempt's work is committed.
            #expect(try await pool.query("SELECT attempt FROM log").map { $0["attempt"] } == ["3"])
        }
    }

    @Test func retriesStopAfterThreeRetries() async throws {
        try await withPool { pool, _ in
            let attempts = Recorder<Int>()
            let error = await #expect(throws: PostgresError.self) {
                try await pool.withTransaction { connection in
                    attempts.append(1)
                    try await connection.execute("DO $$ BEGIN RAISE EXCEPTION 'simulated' USING ERRCODE = 'deadlock_detected'; END $$")
                }
            }
            #expect(error?.sqlState == "40P01")
            #expect(attempts.all.count == 4)
        }
    }

    @Test func otherErrorsAreNotRetried() async throws {
        try await withPool { pool, _ in
            let attempts = Recorder<Int>()
            await #expect(throws: PostgresError.self) {
                try await pool.withTransaction { connection in
                    attempts.append(1)
                    _ = try await connection.query("SELECT 1/0")
                }
            }
            #expect(attempts.all.count == 1)
        }
    }

    @Test func swallowedStatementErrorDoesNotSilentlyCommit() async throws {
        try await withPool { pool, _ in
            _ = try await pool.query("CREATE TABLE t (id int PRIMARY KEY)")
            let error = await #expect(throws: PostgresError.self) {
                try await pool.withTransaction { connection in
                    _ = try await connection.query("INSERT INTO t VALUES (1)")
                    _ = try? await connection.query("INSERT INTO t VALUES (1)")  // aborts the transaction
                    return 1
                }
            }
            #expect(error?.message.contains("rolled back") == true)
            #expect(try await pool.query("SELECT count(*) AS n FROM t").first?.int("n") == 0)
        }
    }

    @Test func realSerializationConflictIsResolvedByRetry() async throws {
        try await withPool { pool, _ in
            _ = try await pool.query("CREATE TABLE counter (id int PRIMARY KEY, value int NOT NULL)")
            _ = try await pool.query("INSERT INTO counter VALUES (1, 0)")
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<3 {
                    group.addTask {
                        try await pool.withTransaction { connection in
                            try await connection.execute("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE")
                            let value = try await connection.query("SELECT value FROM counter WHERE id = 1").first?.int("value") ?? -1
                            try await Task.sleep(for: .milliseconds(20))
                            _ = try await connection.query("UPDATE counter SET value = $1::int WHERE id = 1", [String(value + 1)])
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await pool.query("SELECT value FROM counter").first?.int("value") == 3)
        }
    }
}
