import Postgres
import Synchronization

/// Answers concurrent reads of single rows by id with shared statements: every read waiting when a
/// statement starts is answered by it (`WHERE id = ANY($1)`). Under load, many round trips, thread
/// hops and index probes become one; a lone read still costs one statement. A read never joins a
/// statement that has already started, so it sees every write committed before it was asked.
/// By default one statement runs at a time, prepared once per session: two at a time made the
/// batches smaller and cost about a fifth of GET throughput (benchmarks/README.md).
final class BatchedReads: Sendable {
    private struct Waiter {
        let id: String
        let continuation: CheckedContinuation<PostgresRow?, any Error>
    }

    private struct State {
        var waiting: [Waiter] = []
        var runners = 0
    }

    private let pool: PostgresPool
    /// Selects the rows whose `id` is in the text array `$1`; must return an `id` column.
    private let sql: String
    private let maxBatch: Int
    private let maxRunners: Int
    private let state = Mutex(State())

    init(pool: PostgresPool, sql: String, maxBatch: Int = 256, maxRunners: Int = 1) {
        self.pool = pool
        self.sql = sql
        self.maxBatch = maxBatch
        self.maxRunners = maxRunners
    }

    /// The row with this id, or nil if there is none.
    func read(_ id: String) async throws -> PostgresRow? {
        try await withCheckedThrowingContinuation { continuation in
            let startsRunner = state.withLock { state in
                state.waiting.append(Waiter(id: id, continuation: continuation))
                guard state.runners < maxRunners else { return false }
                state.runners += 1
                return true
            }
            if startsRunner {
                Task { await self.run() }
            }
        }
    }

    /// Serves batches until nobody is waiting.
    private func run() async {
        while true {
            let batch: [Waiter] = state.withLock { state in
                guard !state.waiting.isEmpty else {
                    state.runners -= 1
                    return []
                }
                let count = min(maxBatch, state.waiting.count)
                defer { state.waiting.removeFirst(count) }
                return Array(state.waiting.prefix(count))
            }
            if batch.isEmpty { return }
            do {
                let ids = SQLArray.literal(batch.map(\.id))
                let rows = try await pool.withConnection { try await $0.queryPrepared(sql, [ids]) }
                var byID: [String: PostgresRow] = [:]
                for row in rows {
                    if let id = row["id"] { byID[id] = row }
                }
                for waiter in batch { waiter.continuation.resume(returning: byID[waiter.id]) }
            } catch {
                for waiter in batch { waiter.continuation.resume(throwing: error) }
            }
        }
    }
}
