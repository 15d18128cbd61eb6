import HyperFleetModel
import Postgres

/// The stale-adapter statements. All of them are answered from the liveness table's
/// (resource_type, adapter, last_report_time) index: O(stale), never O(total).
extension SentinelStore {
    /// The adapters required for `type`, by name.
    func requiredAdapters(_ type: WatchedType, on connection: PostgresConnection) async throws -> [String] {
        try await connection.query(
            "SELECT adapter FROM hyperfleet_required_adapters WHERE resource_type = $1 ORDER BY adapter", [type.rawValue]
        ).map { try $0.text("adapter") }
    }

    /// The oldest last report of `adapter` over all resources of `type`; nil when there are none.
    func oldestReport(_ type: WatchedType, adapter: String) async throws -> Timestamp? {
        try await pool.query(
            "SELECT \(Self.micros("min(last_report_time)")) AS oldest FROM sentinel_adapter_liveness WHERE resource_type = $1 AND adapter = $2",
            [type.rawValue, adapter]
        ).first?.optionalInt("oldest").map(Timestamp.init(microsecondsSinceEpoch:))
    }

    /// How many resources of `type` have `adapter`'s last report at or before `threshold`.
    func staleCount(_ type: WatchedType, adapter: String, threshold: Timestamp) async throws -> Int {
        Int(try await pool.query(
            """
            SELECT count(*) AS stale FROM sentinel_adapter_liveness
            WHERE resource_type = $1 AND adapter = $2 AND last_report_time <= $3::timestamptz
            """, [type.rawValue, adapter, threshold.rfc3339]
        ).first?.int("stale") ?? 0)
    }

    /// Up to `limit` ids of those resources, longest silent first.
    func staleSamples(_ type: WatchedType, adapter: String, threshold: Timestamp, limit: Int) async throws -> [String] {
        try await pool.query(
            """
            SELECT resource_id FROM sentinel_adapter_liveness
            WHERE resource_type = $1 AND adapter = $2 AND last_report_time <= $3::timestamptz
            ORDER BY last_report_time LIMIT \(limit)
            """, [type.rawValue, adapter, threshold.rfc3339]
        ).map { try $0.text("resource_id") }
    }

    /// Opens the episode of `adapter`; true only for the one replica whose insert opened it.
    func openStaleEpisode(_ type: WatchedType, adapter: String, at now: Timestamp) async throws -> Bool {
        !(try await pool.query(
            """
            INSERT INTO sentinel_stale_episodes (resource_type, adapter, started_at) VALUES ($1, $2, $3::timestamptz)
            ON CONFLICT DO NOTHING RETURNING adapter
            """, [type.rawValue, adapter, now.rfc3339])).isEmpty
    }

    /// Closes the episode of `adapter`; true only for the one replica whose delete closed it.
    func closeStaleEpisode(_ type: WatchedType, adapter: String) async throws -> Bool {
        !(try await pool.query(
            "DELETE FROM sentinel_stale_episodes WHERE resource_type = $1 AND adapter = $2 RETURNING adapter",
            [type.rawValue, adapter])).isEmpty
    }

    /// Ends the episodes of adapters that are no longer required.
    func endEpisodesOfUnrequiredAdapters(_ type: WatchedType) async throws {
        _ = try await pool.query(
            """
            DELETE FROM sentinel_stale_episodes e WHERE e.resource_type = $1
              AND NOT EXISTS (SELECT 1 FROM hyperfleet_required_adapters r WHERE r.resource_type = e.resource_type AND r.adapter = e.adapter)
            """, [type.rawValue])
    }
}
