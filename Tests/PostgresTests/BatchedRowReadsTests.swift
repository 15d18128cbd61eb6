import Postgres
import Testing

/// Reads by id answered by shared statements, one reader session at a time.
@Suite struct BatchedRowReadsTests {
    /// Counts statements: the materialized CTE draws one number per statement, whatever the rows.
    static let countingSQL = """
        WITH statement AS MATERIALIZED (SELECT nextval('statements') AS n)
        SELECT t.id, t.v FROM items t, statement WHERE t.id = ANY($1::text[])
        """

    func prepare(_ pool: PostgresPool, rows: Int) async throws {
        try await pool.withConnection { connection in
            try await connection.execute("""
                CREATE SEQUENCE statements;
                CREATE TABLE items (id text PRIMARY KEY, v text NOT NULL);
                INSERT INTO items SELECT 'id-' || g, 'value-' || g FROM generate_series(1, \(rows)) g;
                """)
        }
    }

    func statementCount(_ pool: PostgresPool) async throws -> Int64 {
        // last_value is 1 before the first nextval (is_called false): count 0 then.
        let row = try #require(try await pool.query("SELECT last_value, is_called FROM statements").first)
        return try row.bool("is_called") ? try row.int("last_value") : 0
    }

    @Test func concurrentReadsGetTheirOwnRowsFromSharedStatements() async throws {
        try await withPool(poolSize: 3) { pool, _ in
            try await prepare(pool, rows: 300)
            let reads = BatchedRowReads(pool: pool, sql: Self.countingSQL, maxBatch: 64)
            let asked = (1...300).map { "id-\($0)" } + ["id-7", "id-7", "missing-1", "missing-2"]
            let answers = try await withThrowingTaskGroup(of: (String, String?).self) { group in
                for id in asked {
                    group.addTask { (id, try await reads.read(id)?["v"]) }
                }
                return try await group.reduce(into: [(String, String?)]()) { $0.append($1) }
            }
            #expect(answers.count == asked.count)
            for (id, value) in answers {
                if id.hasPrefix("missing") {
                    #expect(value == nil)
                } else {
                    #expect(value == "value-" + id.dropFirst(3))
                }
            }
            let statements = try await statementCount(pool)
            // 304 reads cannot take fewer than 5 statements of at most 64 ids.
            #expect(statements >= 5)
            #expect(statements * 2 <= Int64(asked.count), "\(statements) statements for \(asked.count) reads")
            // A lone read still costs one statement, and sees a row written just before it.
            _ = try await pool.query("INSERT INTO items VALUES ('late', 'here')")
            #expect(try await reads.read("late")?["v"] == "here")
            #expect(try await statementCount(pool) == statements + 1)
        }
    }

    @Test func aFailingStatementFailsItsReadsAndTheNextReadsStillGetAnAnswer() async throws {
        try await withPool(poolSize: 2) { pool, _ in
            try await prepare(pool, rows: 3)
            // Fails for one id only: every read of the batch it lands in gets the error.
            let reads = BatchedRowReads(
                pool: pool, sql: "SELECT id, (1 / (CASE WHEN $1::text[] @> '{id-2}' THEN 0 ELSE 1 END))::text AS v FROM items WHERE id = ANY($1::text[])")
            await #expect(throws: PostgresError.self) { _ = try await reads.read("id-2") }
            #expect(try await reads.read("id-1")?["v"] == "1")
            // Many failing reads at once: all answered, none left hanging.
            let failures = await withTaskGroup(of: Bool.self) { group in
                for _ in 0..<20 {
                    group.addTask { (try? await reads.read("id-2")) == nil }
                }
                return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(failures == 20)
            #expect(try await reads.read("id-3")?["v"] == "1")
        }
    }

    @Test func aReadWaitsForASessionWhileEveryOneIsLentOut() async throws {
        try await withPool(poolSize: 1) { pool, _ in
            try await prepare(pool, rows: 2)
            let reads = BatchedRowReads(pool: pool, sql: "SELECT id, v FROM items WHERE id = ANY($1::text[])")
            // A free session: the reader starts on a worker thread at once.
            #expect(try await reads.read("id-1")?["v"] == "value-1")
            let (gate, open) = AsyncStream.makeStream(of: Void.self)
            let events = Recorder<String>()
            let holder = Task {
                try await pool.withConnection { _ in
                    events.append("holding")
                    for await _ in gate {}
                    events.append("released")
                }
            }
            #expect(try await eventually { events.all == ["holding"] })
            let read = Task {
                let value = try await reads.read("id-2")?["v"]
                events.append("read")
                return value
            }
            // The reader queues for the only session instead of failing or spinning.
            #expect(try await eventually { pool.statistics.waiting == 1 })
            #expect(events.all == ["holding"])
            open.finish()
            try await holder.value
            #expect(try await read.value == "value-2")
            #expect(events.all == ["holding", "released", "read"])
        }
    }

    @Test func readsSurviveTheReaderSessionBeingKilled() async throws {
        try await withPool(poolSize: 1) { pool, connectionString in
            try await prepare(pool, rows: 5)
            let reads = BatchedRowReads(pool: pool, sql: "SELECT id, v, pg_backend_pid()::text AS pid FROM items WHERE id = ANY($1::text[])")
            let pid = try #require(try await reads.read("id-1")?["pid"])
            try await terminateBackend(connectionString, pid: pid)
            // The pool notices the dead idle session and opens a new one for the reader.
            let again = try await reads.read("id-2")
            #expect(again?["v"] == "value-2")
            #expect(again?["pid"] != pid)
        }
    }

    @Test func readsAfterThePoolClosesFail() async throws {
        try await withPool { pool, _ in
            try await prepare(pool, rows: 1)
            let reads = BatchedRowReads(pool: pool, sql: "SELECT id, v FROM items WHERE id = ANY($1::text[])")
            #expect(try await reads.read("id-1")?["v"] == "value-1")
            await pool.close()
            // A read that reaches the reader while it still holds its session is served by it (the pool
            // closes lent sessions when they come back); after that, reads fail instead of waiting.
            let refused = try await eventually(timeout: .seconds(5)) {
                do {
                    _ = try await reads.read("id-1")
                    return false
                } catch let error as PostgresError {
                    return error.kind == .poolClosed
                }
            }
            #expect(refused)
        }
    }
}
