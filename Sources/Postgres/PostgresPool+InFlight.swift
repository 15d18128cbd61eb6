extension PostgresPool {
    /// Waits until every transaction that is writing to `table` when this is called has ended,
    /// polling every `poll`, for at most `limit`. Returns the process ids of those still running when
    /// the limit passed (empty when all ended).
    ///
    /// A transaction that inserted, updated or deleted rows of a table holds its ROW EXCLUSIVE lock on
    /// it until it ends (as `CREATE INDEX CONCURRENTLY` waits for them, read from `pg_locks`): once they
    /// have ended, new statements see the outcome of every write that was under way at the call.
    public func waitForWriters(of table: String, limit: Duration, poll: Duration = .milliseconds(20)) async throws -> [Int64] {
        let writers = try await query(
            """
            SELECT DISTINCT virtualtransaction FROM pg_locks
            WHERE locktype = 'relation' AND mode = 'RowExclusiveLock' AND relation = to_regclass($1)
              AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND pid IS DISTINCT FROM pg_backend_pid()
            """, [table]
        ).map { try $0.text("virtualtransaction") }
        guard !writers.isEmpty else { return [] }
        let clock = ContinuousClock()
        let deadline = clock.now + limit
        while true {
            // A running transaction holds the lock of its own virtual id.
            let running = try await query(
                "SELECT pid FROM pg_locks WHERE locktype = 'virtualxid' AND virtualxid = ANY($1::text[]) ORDER BY pid",
                [SQLArray.literal(writers)]
            ).map { try $0.int("pid") }
            if running.isEmpty || clock.now >= deadline { return running }
            try await Task.sleep(for: poll)
        }
    }
}
