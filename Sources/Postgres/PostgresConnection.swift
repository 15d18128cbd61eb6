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
        /// The transaction's BEGIN and its transaction-local settings, waiting to go out together with
        /// the transaction's first statement (`withTransaction`).
        var pendingBegin: [(name: String, value: String)]?
        /// Set once a statement went out with the transaction's COMMIT: nothing may follow.
        var committed = false
    }

    init(raw: LibPQConnection, workers: BlockingWorkers) {
        self.raw = raw
        self.workers = workers
    }

    /// One statement, parameters in text format ($1, $2 ...); nil is SQL NULL.
    public func query(_ sql: String, _ parameters: [String?] = []) async throws -> PostgresResult {
        try await send([PipelinedStatement(sql, parameters)], commit: false)[0]
    }

    /// One statement that this session parses and plans only the first time (for statements run
    /// very often with the same text; not for text built per request, which would pile up). Name the
    /// columns: a `SELECT *` prepared before a migration changes the table fails after it.
    public func queryPrepared(_ sql: String, _ parameters: [String?] = []) async throws -> PostgresResult {
        try await send([PipelinedStatement(sql, parameters, prepared: true)], commit: false)[0]
    }

    /// Several statements in one round trip (libpq pipeline mode), run in order as if sent apart;
    /// the first failure skips the rest and is thrown. Their results, in order. Outside a transaction
    /// the statements of one call commit or fail together (the protocol's implicit transaction lasts
    /// up to the pipeline's end). Keep the results before the last small (see `LibPQConnection.pipeline`).
    public func queries(_ statements: [PipelinedStatement]) async throws -> [PostgresResult] {
        try await send(statements, commit: false)
    }

    /// A transaction's last statements, sent together with its COMMIT in one round trip; inside
    /// `PostgresPool.withTransaction` only, whose body must run nothing on the connection afterwards
    /// (the transaction is over). A statement's failure skips the COMMIT (the transaction then rolls
    /// back); a failed COMMIT (e.g. a serialization failure) is thrown like any statement's error.
    public func queriesThenCommit(_ statements: [PipelinedStatement]) async throws -> [PostgresResult] {
        try await send(statements, commit: true)
    }

    /// Several statements, no parameters (PQexec), e.g. migrations.
    public func execute(_ sql: String) async throws {
        // A simple-protocol command cannot join a pipeline: a waiting BEGIN goes first on its own.
        if let settings = takePendingBegin() { try await runBlocking { raw in try raw.begin(settingLocally: settings) } }
        try await runBlocking { raw in try raw.execute(sql) }
    }

    /// Makes the next statement start a transaction, with `settings` set locally in it, in the same
    /// round trip (see `PostgresPool.withTransaction`).
    func deferBegin(settingLocally settings: [(name: String, value: String)]) {
        state.withLock { $0.pendingBegin = settings }
    }

    /// The BEGIN still waiting for a first statement, removed (nil: it went out, or none was asked for).
    func takePendingBegin() -> [(name: String, value: String)]? {
        state.withLock { state in
            defer { state.pendingBegin = nil }
            return state.pendingBegin
        }
    }

    /// Whether a statement went out with the transaction's COMMIT.
    var hasCommitted: Bool { state.withLock { $0.committed } }

    /// Sends `statements`, preceded by a waiting BEGIN and followed by COMMIT when asked, in one round
    /// trip; returns the results of `statements`.
    private func send(_ statements: [PipelinedStatement], commit: Bool) async throws -> [PostgresResult] {
        let (begin, committed) = state.withLock { state in
            defer { state.pendingBegin = nil }
            return (state.pendingBegin, state.committed)
        }
        if committed {
            throw PostgresError(kind: .server, message: "statement sent after its transaction's COMMIT")
        }
        var all: [PipelinedStatement] = []
        if let begin {
            all.append(PipelinedStatement("BEGIN"))
            if !begin.isEmpty {
                let calls = (0..<begin.count).map { "set_config($\(2 * $0 + 1), $\(2 * $0 + 2), true)" }.joined(separator: ", ")
                all.append(PipelinedStatement("SELECT \(calls)", begin.flatMap { [$0.name, $0.value] }))
            }
        }
        let first = all.count
        all += statements
        if commit { all.append(PipelinedStatement("COMMIT")) }
        if all.isEmpty { return [] }
        if all.count == 1 {
            let statement = all[0]
            return [try await runBlocking { raw in try raw.query(statement.sql, statement.parameters, prepared: statement.prepared) }]
        }
        let pipelined = all
        let results = try await runBlocking { raw in try raw.pipeline(pipelined) }
        if commit { state.withLock { $0.committed = true } }
        return Array(results[first..<(first + statements.count)])
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
