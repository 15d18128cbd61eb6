import HyperFleetModel
import Logging
import Postgres

/// The required-adapter lists, kept in one table that the API and the Sentinel both read.
public enum RequiredAdapters {
    static func load(_ type: ResourceType, on connection: PostgresConnection) async throws -> [String] {
        try await connection.query(
            "SELECT adapter FROM hyperfleet_required_adapters WHERE resource_type = $1 ORDER BY adapter", [type.rawValue]
        ).map { try $0.text("adapter") }
    }

    public static func current(_ type: ResourceType, pool: PostgresPool) async throws -> [String] {
        try await pool.withConnection { try await load(type, on: $0) }
    }

    /// Replaces the list for a type. When it changed, every resource of that type is re-aggregated in
    /// batches of `batchSize`. Returns whether the list changed.
    @discardableResult
    public static func sync(
        _ type: ResourceType, adapters: [String], store: ResourceStore, now: Timestamp = .now(), batchSize: Int = 200
    ) async throws -> Bool {
        let wanted = Array(Set(adapters)).sorted()
        let changed = try await store.pool.withTransaction { connection in
            _ = try await connection.query("LOCK TABLE hyperfleet_required_adapters IN SHARE ROW EXCLUSIVE MODE")
            guard try await load(type, on: connection) != wanted else { return false }
            _ = try await connection.query("DELETE FROM hyperfleet_required_adapters WHERE resource_type = $1", [type.rawValue])
            for adapter in wanted {
                _ = try await connection.query(
                    "INSERT INTO hyperfleet_required_adapters (resource_type, adapter) VALUES ($1, $2)", [type.rawValue, adapter])
            }
            return true
        }
        guard changed else { return false }
        store.logger.info("required adapters changed; re-aggregating", metadata: ["resource_type": "\(type.rawValue)", "adapters": "\(wanted)"])
        var after = ""
        while true {
            let ids = try await store.pool.query(
                "SELECT id FROM \(type.table) WHERE id > $1 ORDER BY id LIMIT \(batchSize)", [after]
            ).map { try $0.text("id") }
            guard let last = ids.last else { break }
            try await store.reaggregateBatch(type, ids: ids, now: now)
            after = last
        }
        return true
    }
}

extension ResourceStore {
    /// Re-aggregates `ids` (sorted) in one transaction of a few statements, whatever their number: the
    /// rows are locked as a status report would (a nodepool's cluster first), read with their status
    /// rows, and the changed statuses written with one UPDATE. Row locks are held for those statements
    /// only, not for a statement per resource (500 resources one by one held the first row locked for
    /// about a second under load: benchmarks/README.md).
    func reaggregateBatch(_ type: ResourceType, ids: [String], now: Timestamp) async throws {
        let changed = try await pool.withTransaction { connection in
            let idArray = SQLArray.literal(ids)
            if type == .nodepools {
                _ = try await connection.query(
                    """
                    SELECT 1 FROM clusters WHERE id IN (SELECT cluster_id FROM nodepools WHERE id = ANY($1::text[]))
                    ORDER BY id FOR SHARE
                    """, [idArray])
            }
            let records = try await connection.query(
                "SELECT \(type.selectColumns) FROM \(type.table) WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE", [idArray]
            ).map(ResourceRecord.init(row:))
            let statusRows = try await connection.query(
                """
                SELECT \(type.statusForeignKey) AS resource_id, \(StatusRecord.selectColumns) FROM \(type.statusTable)
                WHERE \(type.statusForeignKey) = ANY($1::text[])
                """, [idArray])
            var byResource: [String: [StatusRecord]] = [:]
            for row in statusRows { byResource[try row.text("resource_id"), default: []].append(try StatusRecord(row: row)) }
            let required = try await RequiredAdapters.load(type, on: connection)
            var updates: [(id: String, status: ResourceStatus)] = []
            for record in records {
                let status = aggregate(record, rows: StatusRows(records: byResource[record.id] ?? [], required: required), now: now)
                if status != record.status { updates.append((record.id, status)) }
            }
            guard !updates.isEmpty else { return ChangedTypes() }
            let columns = (0..<5).map { column in SQLArray.literal(updates.map { Self.statusUpdateParameters($0.status)[column] }) }
            _ = try await connection.query(
                """
                UPDATE \(type.table) t SET status_phase = u.phase, status_observed_generation = u.observed_generation::bigint,
                    status_last_transition_time = u.last_transition_time::timestamptz,
                    status_last_updated_time = u.last_updated_time::timestamptz, status_conditions = u.conditions::jsonb
                FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
                    AS u(id, phase, observed_generation, last_transition_time, last_updated_time, conditions)
                WHERE t.id = u.id
                """, [SQLArray.literal(updates.map(\.id))] + columns)
            return ChangedTypes(type, phaseChanged: true)
        }
        announce(changed)
    }
}
