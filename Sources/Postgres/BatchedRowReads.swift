import Synchronization

/// Answers concurrent reads of single rows by id with shared statements: every read waiting when a
/// statement starts is answered by it (`WHERE id = ANY($1)`). Under load, many round trips, thread
/// hops and index probes become one; a lone read still costs one statement. A read never joins a
/// statement that has already started, so it sees every write committed before it was asked.
///
/// One reader at a time holds a pooled session and serves batch after batch on its worker thread,
/// with the statement prepared once per session, until nobody is waiting: a batch costs no hop to
/// the cooperative pool and back, and neither does starting a reader while a session is free. A
/// second reader, even one started only when 4 or 8 reads queue, made the batches smaller and cost
/// 12-20 % of GET throughput (benchmarks/README.md).
public final class BatchedRowReads: Sendable {
    private struct Waiter {
        let id: String
        /// Resumed exactly once: by the statement that serves it, or with the error that ends the reader.
        let continuation: UnsafeContinuation<PostgresRow?, any Error>
    }

    private struct State {
        var waiting: [Waiter] = []
        var readerIsRunning = false
    }

    private let pool: PostgresPool
    /// Selects the rows whose `id` is in the text array `$1`; must return an `id` column.
    private let sql: String
    private let maxBatch: Int
    private let state = Mutex(State())

    /// `sql` selects the rows whose `id` is in the text array `$1` and returns an `id` column. Written
    /// as `id = ANY((SELECT $1::text[])::text[])`, the statement keeps one generic plan; with
    /// `id = ANY($1)` PostgreSQL plans it again for every batch (see `ResourceType.readByIDsSQL`).
    public init(pool: PostgresPool, sql: String, maxBatch: Int = 256) {
        self.pool = pool
        self.sql = sql
        self.maxBatch = maxBatch
    }

    /// The row with this id, or nil if there is none.
    public func read(_ id: String) async throws -> PostgresRow? {
        try await withUnsafeThrowingContinuation { continuation in
            let startsReader = state.withLock { state in
                state.waiting.append(Waiter(id: id, continuation: continuation))
                guard !state.readerIsRunning else { return false }
                state.readerIsRunning = true
                return true
            }
            if startsReader { startReader() }
        }
    }

    /// Starts serving on a worker thread with a session that is free now; when every session is lent
    /// out, a task waits for one. (A reader that started through a task cost the batch waiting for it
    /// a hop through the cooperative pool: one more thread wake-up on its way to the database.)
    private func startReader() {
        let started = pool.withFreeSessionOnWorker { session in
            switch session {
            case .success(let session): self.serveBatches(on: session)
            case .failure(let error): self.failEveryone(error)
            }
        }
        if started { return }
        Task {
            do {
                try await pool.withConnection { connection in
                    try await connection.runBlocking { session in self.serveBatches(on: session) }
                }
            } catch {
                // No session to be had (pool closed, database down): serveBatches never ran.
                self.failEveryone(error)
            }
        }
    }

    /// Answers everyone waiting with an error that ends the reader (no session to be had).
    private func failEveryone(_ error: any Error) {
        let waiting = state.withLock { state in
            defer {
                state.waiting.removeAll()
                state.readerIsRunning = false
            }
            return state.waiting
        }
        for waiter in waiting { waiter.continuation.resume(throwing: error) }
    }

    /// Runs on a worker thread: one statement per batch until nobody is waiting (the reader stops, in
    /// the same critical section, so a read arriving later starts the next one) or a statement fails
    /// (its batch gets the error; a new reader takes over the others, as the pool drops a broken session).
    private func serveBatches(on session: LibPQConnection) {
        while true {
            let batch: [Waiter] = state.withLock { state in
                let count = min(maxBatch, state.waiting.count)
                if count == 0 { state.readerIsRunning = false }
                defer { state.waiting.removeFirst(count) }
                return Array(state.waiting.prefix(count))
            }
            if batch.isEmpty { return }
            do {
                let rows = try session.query(sql, [SQLArray.literal(batch.map(\.id))], prepared: true)
                var byID: [String: PostgresRow] = [:]
                for row in rows {
                    if let id = row["id"] { byID[id] = row }
                }
                for waiter in batch { waiter.continuation.resume(returning: byID[waiter.id]) }
            } catch {
                for waiter in batch { waiter.continuation.resume(throwing: error) }
                let othersWait = state.withLock { state in
                    if state.waiting.isEmpty { state.readerIsRunning = false }
                    return state.readerIsRunning
                }
                if othersWait { startReader() }
                return
            }
        }
    }
}
