import Postgres
import Synchronization

/// Exact list totals, counted once per filter and reused while no write to the resource table has
/// committed since (see `Schema.listTotalsV5`). Counting every match was what kept a filtered list's
/// p99 far above the page query itself (benchmarks/README.md). After a write, the lists that arrive
/// together share one new count instead of each counting.
final class ListTotals: Sendable {
    private struct Entry {
        let version: Int64
        let total: Int
    }

    private struct Count {
        let id: UInt64
        let task: Task<Entry, any Error>
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var running: [String: Count] = [:]
        var nextCountID: UInt64 = 0
    }

    /// Bounded: past this many filters the cache starts over (counting again is always correct).
    private let capacity: Int
    private let state = Mutex(State())
    /// Change rows of one type above which a count also folds them into one row.
    static let compactAbove = 64

    init(capacity: Int = 1024) {
        self.capacity = capacity
    }

    /// The SQL of a scalar subquery giving the current write version of `type`.
    static func versionSQL(_ type: ResourceType) -> String {
        "(SELECT coalesce(sum(weight), 0) FROM hyperfleet_list_changes WHERE resource_type = '\(type.rawValue)')"
    }

    /// The exact number of matches of `whereClause` as of write `version` (the version the page's own
    /// snapshot saw; nil when the page was empty). A total counted at that version is reused; a count
    /// already running for the same filter is awaited and used if it saw that version (the same
    /// version means the same committed writes); otherwise this counts, letting later callers join.
    func total(
        _ type: ResourceType, whereClause: String, parameters: [String?], key: String, version: Int64?, pool: PostgresPool
    ) async throws -> Int {
        guard let version else {
            // An empty page carries no version: count afresh rather than join a count that may be older.
            return try await Self.count(type, whereClause: whereClause, parameters: parameters, pool: pool).total
        }
        if let total = cached(key, at: version) { return total }
        for _ in 0..<2 {
            let count = joinOrStart(key) {
                try await Self.count(type, whereClause: whereClause, parameters: parameters, pool: pool)
            }
            let entry = try await count.task.value
            finish(key, count, entry)
            if entry.version == version { return entry.total }
            // The count saw another version (a write landed in between): count once more.
        }
        return try await Self.count(type, whereClause: whereClause, parameters: parameters, pool: pool).total
    }

    private func cached(_ key: String, at version: Int64) -> Int? {
        state.withLock { state in
            guard let entry = state.entries[key], entry.version == version else { return nil }
            return entry.total
        }
    }

    private func joinOrStart(_ key: String, _ work: @escaping @Sendable () async throws -> Entry) -> Count {
        state.withLock { state in
            if let running = state.running[key] { return running }
            state.nextCountID += 1
            let count = Count(id: state.nextCountID, task: Task { try await work() })
            state.running[key] = count
            return count
        }
    }

    /// Stores a finished count (a newer version never gives way to an older one) and stops offering it.
    private func finish(_ key: String, _ count: Count, _ entry: Entry) {
        state.withLock { state in
            if state.running[key]?.id == count.id { state.running[key] = nil }
            if let stored = state.entries[key], stored.version > entry.version { return }
            if state.entries.count >= capacity, state.entries[key] == nil { state.entries.removeAll(keepingCapacity: true) }
            state.entries[key] = entry
        }
    }

    /// Counts on its own connection; the count and the version come from one statement, so from the
    /// same snapshot. Folds the change rows when they have piled up.
    private static func count(
        _ type: ResourceType, whereClause: String, parameters: [String?], pool: PostgresPool
    ) async throws -> Entry {
        try await pool.withConnection { connection in
            let row = try await connection.query(
                """
                SELECT count(*) AS total, \(versionSQL(type)) AS version,
                    (SELECT count(*) FROM hyperfleet_list_changes WHERE resource_type = '\(type.rawValue)') AS change_rows
                FROM \(type.table) WHERE \(whereClause)
                """, parameters
            ).first
            guard let row else { throw StoreError.corrupt("count returned no row") }
            if try row.int("change_rows") > compactAbove {
                try await compact(type, on: connection)
            }
            return Entry(version: try row.int("version"), total: Int(try row.int("total")))
        }
    }

    /// Folds the change rows of `type` into one row of the same total weight, in one statement, when
    /// there are more than `above`: every snapshot sees the same sum before and after. Two replicas
    /// folding at once is safe: the second skips the rows the first deleted.
    static func compact(_ type: ResourceType, above: Int = 0, on connection: PostgresConnection) async throws {
        _ = try await connection.query(
            """
            WITH folded AS (
                DELETE FROM hyperfleet_list_changes WHERE resource_type = $1
                    AND (SELECT count(*) FROM hyperfleet_list_changes WHERE resource_type = $1) > $2::int
                RETURNING weight)
            INSERT INTO hyperfleet_list_changes (resource_type, weight)
            SELECT $1, sum(weight) FROM folded HAVING count(*) > 0
            """, [type.rawValue, String(above)])
    }
}
