import Synchronization

/// A session lent by `PostgresPool` for the duration of one `withConnection` call.
/// Use it from one task at a time; it is unusable after the call returns.
public final class PostgresConnection: @unchecked Sendable {
    let raw: LibPQConnection
    private let workers: BlockingWorkers
    private let state = Mutex(LeaseState())

    private struct LeaseState {
        var isReturned = false
        /// A cancel request may still reach the server later, so the session must not be reused.
        var cancelWasRequested = false
    }

    init(raw: LibPQConnection, workers: BlockingWorkers) {
        self.raw = raw
        self.workers = workers
    }

    /// One statement, parameters in text format ($1, $2 ...); nil is SQL NULL.
    public func query(_ sql: String, _ parameters: [String?] = []) async throws -> PostgresResult {
        try await runBlocking { raw in try raw.query(sql, parameters) }
    }

    /// One statement that this session parses and plans only the first time (for statements run
    /// very often with the same text; not for text built per request, which would pile up). Name the
    /// columns: a `SELECT *` prepared before a migration changes the table fails after it.
    public func queryPrepared(_ sql: String, _ parameters: [String?] = []) async throws -> PostgresResult {
        try await runBlocking { raw in try raw.query(sql, parameters, prepared: true) }
    }

    /// Several statements, no parameters (PQexec), e.g. migrations.
    public func execute(_ sql: String) async throws {
        try await runBlocking { raw in try raw.execute(sql) }
    }

    /// `BEGIN` plus transaction-local settings, in one round trip (see `PostgresPool.withTransaction`).
    func begin(settingLocally settings: [(name: String, value: String)]) async throws {
        try await runBlocking { raw in try raw.begin(settingLocally: settings) }
    }

    /// Whether the pool may lend this session again (healthy, no open transaction, not cancelled).
    var isReusable: Bool {
        let cancelled = state.withLock { $0.cancelWasRequested }
        return !cancelled && raw.canBeLentAgain
    }

    /// Detaches the wrapper from its session; later calls fail instead of touching a pooled session.
    func markReturned() {
        state.withLock { $0.isReturned = true }
    }

    /// Runs blocking libpq work on a worker thread; task cancellation sends a server-side cancel.
    func runBlocking<T: Sendable>(_ work: @escaping @Sendable (LibPQConnection) throws -> T) async throws -> T {
        let isReturned = state.withLock { $0.isReturned }
        if isReturned {
            throw PostgresError(kind: .connection, message: "connection used after withConnection returned")
        }
        let raw = self.raw
        let workers = self.workers
        return try await withTaskCancellationHandler {
            try await workers.run { try work(raw) }
        } onCancel: {
            self.state.withLock { $0.cancelWasRequested = true }
            workers.runDetached { raw.requestCancel() }
        }
    }
}
