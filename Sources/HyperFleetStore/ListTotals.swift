import Postgres
import Synchronization

/// Exact list totals, counted once per filter and reused while no write to the resource table has
/// committed since (see `Schema.listTotalsV5`). Counting every match was what kept a filtered list's
/// p99 far above the page query itself (benchmarks/README.md); a write makes the next list count again.
final class ListTotals: Sendable {
    private struct Entry {
        let version: Int64
        let total: Int
    }

    /// Bounded: past this many filters the cache starts over (counting again is always correct).
    private let capacity: Int
    private let entries = Mutex<[String: Entry]>([:])
    /// Change rows of one type above which a count also folds them into one row.
    static let compactAbove = 64

    init(capacity: Int = 1024) {
        self.capacity = capacity
    }

    /// The SQL of a scalar subquery giving the current write version of `type`.
    static func versionSQL(_ type: ResourceType) -> String {
        "(SELECT coalesce(sum(weight), 0) FROM hyperfleet_list_changes WHERE resource_type = '\(type.rawValue)')"
    }

    /// A cached total for `key` counted at `version`, if there is one.
    func total(for key: String, at version: Int64) -> Int? {
        entries.withLock { entries in
            guard let entry = entries[key], entry.version == version else { return nil }
            return entry.total
        }
    }

    /// Counts the matches of `whereClause`, remembers the result under `key`, and compacts the
    /// change rows when they have piled up.
    func count(
        _ type: ResourceType, whereClause: String, parameters: [String?], key: String, on connection: PostgresConnection
    ) async throws -> Int {
        // One statement: the count and the version come from the same snapshot.
        let row = try await connection.query(
            """
            SELECT count(*) AS total, \(Self.versionSQL(type)) AS version,
                (SELECT count(*) FROM hyperfleet_list_changes WHERE resource_type = '\(type.rawValue)') AS change_rows
            FROM \(type.table) WHERE \(whereClause)
            """, parameters
        ).first
        let total = Int(try row?.int("total") ?? 0)
        if let row {
            let entry = Entry(version: try row.int("version"), total: total)
            entries.withLock { entries in
                if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
                entries[key] = entry
            }
            if try row.int("change_rows") > Self.compactAbove {
                try await Self.compact(type, on: connection)
            }
        }
        return total
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
