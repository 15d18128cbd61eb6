import Logging
import Postgres
import PostgresTestSupport
import Synchronization
import Testing

/// Runs `body` with a pool on a fresh database, closing the pool afterwards.
func withPool<T: Sendable>(
    poolSize: Int = 5,
    acquireTimeout: Duration = .seconds(5),
    statementTimeout: Duration? = nil,
    _ body: (PostgresPool, String) async throws -> T
) async throws -> T {
    try await TestDatabase.withFresh { connectionString in
        let configuration = PostgresConfiguration(
            connectionString: connectionString, poolSize: poolSize, connectTimeout: .seconds(20),
            acquireTimeout: acquireTimeout, statementTimeout: statementTimeout)
        return try await PostgresPool.withPool(configuration: configuration, logger: TestDatabase.silentLogger) { pool in
            try await body(pool, connectionString)
        }
    }
}

/// Runs one statement on a short-lived separate session (e.g. to kill another session).
func runSeparately(_ connectionString: String, _ sql: String, _ parameters: [String?] = []) async throws -> PostgresResult {
    try await PostgresPool.runOnce(connectionString, sql, parameters, applicationName: "hf-test-helper", logger: TestDatabase.silentLogger)
}

/// Terminates backend `pid` and waits until it is gone, so later steps see a dead session.
func terminateBackend(_ connectionString: String, pid: String) async throws {
    let result = try await runSeparately(connectionString, "SELECT pg_terminate_backend($1::int) AS done", [pid])
    #expect(try result.first?.bool("done") == true)
    let gone = try await eventually {
        try await runSeparately(connectionString, "SELECT 1 FROM pg_stat_activity WHERE pid = $1::int", [pid]).isEmpty
    }
    try #require(gone, "backend \(pid) did not exit")
}

/// Re-evaluates `condition` every 50 ms until true or `timeout` passes; returns the last value.
func eventually(timeout: Duration = .seconds(10), _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(50))
    }
    return try await condition()
}

/// Thread-safe list for recording things from concurrent tasks.
final class Recorder<Element: Sendable>: Sendable {
    private let items = Mutex<[Element]>([])
    func append(_ item: Element) { items.withLock { $0.append(item) } }
    var all: [Element] { items.withLock { $0 } }
}

/// Checks that the next lent session has no open transaction (SAVEPOINT fails with 25P01 outside one).
func expectOutsideTransaction(_ pool: PostgresPool, sourceLocation: SourceLocation = #_sourceLocation) async throws {
    try await pool.withConnection { connection in
        let error = await #expect(throws: PostgresError.self, sourceLocation: sourceLocation) {
            try await connection.execute("SAVEPOINT probe")
        }
        #expect(error?.sqlState == "25P01", sourceLocation: sourceLocation)
    }
}
