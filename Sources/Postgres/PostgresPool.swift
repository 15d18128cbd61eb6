import Logging
import Synchronization

/// A fixed-size pool of libpq sessions. Connections open lazily; broken ones are discarded, so the
/// pool recovers by itself once the database is reachable again.
public final class PostgresPool: Sendable {
    /// The configuration the pool was created with.
    public let configuration: PostgresConfiguration
    let logger: Logger
    let workers: BlockingWorkers
    private let state: Mutex<PoolState>

    /// Creates the pool; no connection is opened until first use.
    public init(configuration: PostgresConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        let capacity = max(1, configuration.poolSize)
        // One thread per session plus one spare for cancel requests and cleanup.
        self.workers = BlockingWorkers(threads: capacity + 1)
        self.state = Mutex(PoolState(capacity: capacity))
    }

    deinit {
        let idle = state.withLock { state in
            defer { state.idle.removeAll() }
            return state.idle
        }
        idle.forEach { $0.close() }
        workers.shutdown()
    }

    /// Lends a session to `body` and takes it back afterwards (discarding it if it is broken or
    /// left inside a transaction).
    public func withConnection<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await withConnection(acquireTimeout: configuration.acquireTimeout, body)
    }

    /// Runs one statement on a pooled session.
    public func query(_ sql: String, _ parameters: [String?] = []) async throws -> PostgresResult {
        try await withConnection { try await $0.query(sql, parameters) }
    }

    /// `SELECT 1` with a short timeout; false if unreachable.
    public func ping() async -> Bool {
        let timeout = min(configuration.acquireTimeout, .seconds(2))
        do {
            return try await withConnection(acquireTimeout: timeout) { connection in
                try await connection.query("SELECT 1 AS ok").first?["ok"] == "1"
            }
        } catch {
            logger.debug("database ping failed", metadata: ["error": "\(error)"])
            return false
        }
    }

    /// Current usage counts.
    public var statistics: PoolStatistics { state.withLock { $0.statistics } }

    /// Closes idle connections and refuses new work (`.poolClosed`); lent sessions close when returned.
    public func close() async {
        let (idle, waiters, nothingLent) = state.withLock { state in
            state.isClosed = true
            let idle = state.idle
            let waiters = state.waiters
            state.idle.removeAll()
            state.waiters.removeAll()
            state.open -= idle.count
            return (idle, waiters, state.open == 0)
        }
        waiters.forEach { $0.resume(with: .failure(PostgresError.poolClosed)) }
        if !idle.isEmpty {
            _ = try? await workers.run { idle.forEach { $0.close() } }
        }
        if nothingLent { workers.shutdown() }
    }

    // MARK: Lending

    func withConnection<T: Sendable>(
        acquireTimeout: Duration, _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        let connection = PostgresConnection(raw: try await acquire(timeout: acquireTimeout), workers: workers)
        do {
            let value = try await body(connection)
            giveBack(connection)
            return value
        } catch {
            giveBack(connection)
            throw error
        }
    }

    private func giveBack(_ connection: PostgresConnection) {
        connection.markReturned()
        release(connection.raw, reusable: connection.isReusable)
    }

    private func acquire(timeout: Duration) async throws -> LibPQConnection {
        let lease = try await reserve(timeout: timeout)
        // An idle session the server has not closed needs no worker thread.
        if case .existing(let connection) = lease, connection.checkIdleSessionAlive() { return connection }
        return try await workers.run { try self.sessionBlocking(for: lease) }
    }

    /// On a worker thread: opens the session of a reserved slot, or frees the slot if that fails.
    private func openInReservedSlotBlocking() throws -> LibPQConnection {
        do {
            let connection = try LibPQConnection.connect(configuration)
            logger.debug("opened PostgreSQL connection", metadata: ["pool": "\(statistics)"])
            return connection
        } catch {
            logger.warning(
                "could not open PostgreSQL connection",
                metadata: ["target": "\(configuration.redactedDescription)", "error": "\(error)"])
            freeSlot()
            throw error
        }
    }

    /// Runs `work` on a worker thread with a session that is free now (or that the pool has room to
    /// open there), and takes the session back afterwards. Returns false and runs nothing when a
    /// session would have to be waited for, or the pool is closed; the caller then waits through
    /// `withConnection`. Work started on demand this way skips the hop through the cooperative pool
    /// and back that `withConnection { runBlocking }` costs (benchmarks/README.md).
    func withFreeSessionOnWorker(_ work: @escaping @Sendable (Result<LibPQConnection, any Error>) -> Void) -> Bool {
        let lease: PoolLease? = state.withLock { state in state.isClosed ? nil : state.leaseWithoutWaiting() }
        guard let lease else { return false }
        workers.runDetached(
            {
                let connection: LibPQConnection
                do {
                    connection = try self.sessionBlocking(for: lease)
                } catch {
                    work(.failure(error))
                    return
                }
                work(.success(connection))
                self.release(connection, reusable: connection.canBeLentAgain)
            },
            ifShutDown: {
                switch lease {
                case .existing(let connection): self.release(connection, reusable: false)
                case .openNew: self.freeSlot()
                }
                work(.failure(PostgresError.poolClosed))
            })
        return true
    }

    /// On a worker thread: the session a lease stands for, opened now, or replaced in the same slot if
    /// the server ended it while it was idle (restart, `pg_terminate_backend`).
    private func sessionBlocking(for lease: PoolLease) throws -> LibPQConnection {
        if case .existing(let connection) = lease {
            if connection.checkIdleSessionAlive() { return connection }
            logger.info("discarding a pooled PostgreSQL connection that the server closed")
            connection.close()
        }
        return try openInReservedSlotBlocking()
    }

    /// Returns a lease at once, or waits FIFO until one frees up, the timeout passes, or the task is cancelled.
    private func reserve(timeout: Duration) async throws -> PoolLease {
        // Fast path: a lease that is free now needs no continuation and no timer task.
        let immediate: Result<PoolLease, any Error>? = state.withLock { state in
            if state.isClosed { return .failure(PostgresError.poolClosed) }
            return state.leaseWithoutWaiting().map { .success($0) }
        }
        if let immediate { return try immediate.get() }
        let waiterID = state.withLock { $0.nextWaiterID() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<PoolLease, Error>) in
                let timeoutTask = Task { [weak self] in
                    try? await Task.sleep(for: timeout)
                    guard !Task.isCancelled, let self else { return }
                    let waiter = self.state.withLock { $0.removeWaiter(waiterID) }
                    waiter?.resume(with: .failure(PostgresError(
                        kind: .timeout,
                        message: "no database connection became free within \(timeout) (pool size \(self.configuration.poolSize))")))
                }
                let immediate: Result<PoolLease, Error>? = state.withLock { state in
                    if state.isClosed { return .failure(PostgresError.poolClosed) }
                    if let lease = state.leaseWithoutWaiting() { return .success(lease) }
                    // Checked under the lock: a cancel handler that already ran found nothing to remove.
                    if Task.isCancelled { return .failure(CancellationError()) }
                    state.waiters.append(PoolWaiter(id: waiterID, continuation: continuation, timeoutTask: timeoutTask))
                    return nil
                }
                if let immediate {
                    timeoutTask.cancel()
                    continuation.resume(with: immediate)
                }
            }
        } onCancel: {
            let waiter = state.withLock { $0.removeWaiter(waiterID) }
            waiter?.resume(with: .failure(CancellationError()))
        }
    }

    private func release(_ connection: LibPQConnection, reusable: Bool) {
        let kept = state.withLock { state -> (PoolWaiter, PoolLease)?? in
            guard reusable && !state.isClosed else { return nil }
            return .some(state.returnHealthy(connection))
        }
        if let next = kept {
            handOff(next)
            return
        }
        if !reusable { logger.debug("discarding PostgreSQL connection (broken, cancelled or mid-transaction)") }
        workers.runDetached { connection.close() }
        freeSlot()
    }

    /// Gives a vacated slot to the next waiter; the last slot of a closed pool stops the worker threads.
    private func freeSlot() {
        let (next, isDrained) = state.withLock { state in
            (state.releaseSlot(), state.isClosed && state.open == 0)
        }
        handOff(next)
        if isDrained { workers.shutdown() }
    }

    private func handOff(_ next: (PoolWaiter, PoolLease)?) {
        guard let (waiter, lease) = next else { return }
        waiter.resume(with: .success(lease))
    }
}
