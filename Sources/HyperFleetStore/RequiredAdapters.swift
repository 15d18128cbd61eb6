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
    /// batches (each batch its own transaction, rows locked as a status report would). Returns whether
    /// the list changed.
    @discardableResult
    public static func sync(
        _ type: ResourceType, adapters: [String], store: ResourceStore, now: Timestamp = .now()
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
                "SELECT id\(type == .nodepools ? ", cluster_id" : "") FROM \(type.table) WHERE id > $1 ORDER BY id LIMIT 500",
                [after])
            guard !ids.isEmpty else { break }
            try await store.pool.withTransaction { connection in
                for row in ids {
                    let id = try row.text("id")
                    let target: ResourceTarget = type == .clusters ? .cluster(id: id) : .nodePool(clusterID: try row.text("cluster_id"), id: id)
                    let record: ResourceRecord
                    do { record = try await store.lock(target, on: connection) } catch StoreError.notFound { continue }  // removed meanwhile
                    let statuses = try await store.statusRecords(target, on: connection).map(\.status)
                    _ = try await store.reaggregate(record, type: type, statuses: statuses, now: now, on: connection)
                }
            }
            after = try ids.last!.text("id")
        }
        return true
    }
}
