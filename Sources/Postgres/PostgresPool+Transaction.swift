extension PostgresPool {
    /// How many times `withTransaction` re-runs the body after a serialization failure or deadlock.
    static let transactionRetries = 3

    /// BEGIN; body; COMMIT — ROLLBACK on any thrown error. Retries the whole body up to 3 times on
    /// serialization failure (40001) and deadlock (40P01). `settingLocally` are set with
    /// `set_config(name, value, true)` for this transaction only; the statements and triggers of the
    /// body read them with `current_setting`. BEGIN and the settings go out in the same round trip as
    /// the body's first statement (pipeline mode), and the body may send its last statements with the
    /// COMMIT (`PostgresConnection.queriesThenCommit`): a transaction of one statement is one round trip.
    public func withTransaction<T: Sendable>(
        settingLocally settings: [(name: String, value: String)] = [], _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        var retriesLeft = Self.transactionRetries
        while true {
            do {
                return try await withConnection { connection in
                    try await runTransaction(on: connection, settings: settings, body)
                }
            } catch let error as PostgresError where error.isTransactionRetryable && retriesLeft > 0 {
                retriesLeft -= 1
                logger.debug("retrying transaction", metadata: ["sqlState": "\(error.sqlState ?? "")"])
            }
        }
    }

    private func runTransaction<T: Sendable>(
        on connection: PostgresConnection, settings: [(name: String, value: String)], _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        // BEGIN goes out with the body's first statement (one round trip fewer).
        connection.deferBegin(settingLocally: settings)
        let value: T
        do {
            value = try await body(connection)
        } catch {
            _ = connection.takePendingBegin()
            // If the rollback itself fails the session stays mid-transaction and the pool discards it.
            if connection.raw.isInTransaction { try? await connection.execute("ROLLBACK") }
            throw error
        }
        // The body ran no statement: no transaction was opened.
        if connection.takePendingBegin() != nil { return value }
        // The body's last statements went out with the COMMIT (`queriesThenCommit`).
        if connection.hasCommitted { return value }
        if connection.raw.isInFailedTransaction {
            // COMMIT would silently roll back; make the lost work visible instead.
            try? await connection.execute("ROLLBACK")
            throw PostgresError(
                kind: .server, message: "transaction was aborted by an earlier failed statement and rolled back")
        }
        try await connection.execute("COMMIT")
        return value
    }
}
