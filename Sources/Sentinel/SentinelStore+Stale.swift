import HyperFleetModel
import Postgres

/// The stale-adapter statements. All of them are answered from the liveness table's
/// (resource_type, adapter, last_report_time) index: O(stale), never O(total). Paused resources are
/// left out (OPERATIONS.md), one lookup each in the partial index of paused controls.
extension SentinelStore {
    /// The condition that leaves paused resources out of a count, for the row whose type and id are
    /// the SQL expressions given.
    static func notPaused(type: String, id: String) -> String {
        """
        NOT EXISTS (SELECT 1 FROM hyperfleet_reconcile_controls p
                    WHERE p.resource_type = \(type) AND p.resource_id = \(id) AND p.paused)
        """
    }

    /// Liveness rows of one adapter at or before a threshold ($1 type, $2 adapter, $3 threshold),
    /// paused resources left out.
    static let staleRows = """
        FROM sentinel_adapter_liveness l
        WHERE l.resource_type = $1 AND l.adapter = $2 AND l.last_report_time <= $3::timestamptz
          AND \(notPaused(type: "l.resource_type", id: "l.resource_id"))
        """

    /// The adapters required for `type`, by name.
    func requiredAdapters(_ type: WatchedType, on connection: PostgresConnection) async throws -> [String] {
        try await connection.query(
            "SELECT adapter FROM hyperfleet_required_adapters WHERE resource_type = $1 ORDER BY adapter", [type.rawValue]
        ).map { try $0.text("adapter") }
    }

    /// The oldest last report of `adapter` over the resources of `type` that are not paused; nil when
    /// there are none. (An ordered walk of the index that stops at the first resource not paused.)
    func oldestReport(_ type: WatchedType, adapter: String) async throws -> Timestamp? {
        try await pool.query(
            """
            SELECT \(Self.micros("l.last_report_time")) AS oldest FROM sentinel_adapter_liveness l
            WHERE l.resource_type = $1 AND l.adapter = $2 AND \(Self.notPaused(type: "l.resource_type", id: "l.resource_id"))
            ORDER BY l.last_report_time LIMIT 1
            """, [type.rawValue, adapter]
        ).first?.optionalInt("oldest").map(Timestamp.init(microsecondsSinceEpoch:))
    }

    /// How many resources of `type` (not paused) have `adapter`'s last report at or before `threshold`.
    func staleCount(_ type: WatchedType, adapter: String, threshold: Timestamp) async throws -> Int {
        Int(try await pool.query(
            "SELECT count(*) AS stale \(Self.staleRows)", [type.rawValue, adapter, threshold.rfc3339]
        ).first?.int("stale") ?? 0)
    }

    /// Up to `limit` ids of those resources, longest silent first.
    func staleSamples(_ type: WatchedType, adapter: String, threshold: Timestamp, limit: Int) async throws -> [String] {
        try await pool.query(
            "SELECT l.resource_id \(Self.staleRows) ORDER BY l.last_report_time LIMIT \(limit)",
            [type.rawValue, adapter, threshold.rfc3339]
        ).map { try $0.text("resource_id") }
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
