extension PostgresPool {
    /// The transactions writing to `table` now, by virtual transaction id (in this database; not this
    /// session). A transaction that inserted, updated or deleted rows of a table holds its ROW EXCLUSIVE
    /// lock on it until it ends; `CREATE INDEX CONCURRENTLY` waits for them the same way.
    public func writers(of table: String) async throws -> [String] {
        try await query(
            """
            SELECT DISTINCT virtualtransaction FROM pg_locks
            WHERE locktype = 'relation' AND mode = 'RowExclusiveLock' AND relation = to_regclass($1)
              AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND pid IS DISTINCT FROM pg_backend_pid()
            """, [table]
        ).map { try $0.text("virtualtransaction") }
    }

    /// Waits until the `transactions` (virtual ids, from `writers(of:)`) have ended, polling every
    /// `poll`, for at most `limit`. Returns the process ids of those still running then (empty when all
    /// ended): once they have ended, new statements see the outcome of what they wrote.
    public func waitUntilEnded(_ transactions: [String], limit: Duration, poll: Duration = .milliseconds(20)) async throws -> [Int64] {
        guard !transactions.isEmpty else { return [] }
        let clock = ContinuousClock()
        let deadline = clock.now + limit
        while true {
            // A running transaction holds the lock of its own virtual id.
            let running = try await query(
                "SELECT pid FROM pg_locks WHERE locktype = 'virtualxid' AND virtualxid = ANY($1::text[]) ORDER BY pid",
                [SQLArray.literal(transactions)]
            ).map { try $0.int("pid") }
            if running.isEmpty || clock.now >= deadline { return running }
            try await Task.sleep(for: poll)
        }
    }
}
