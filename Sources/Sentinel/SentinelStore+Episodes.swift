import HyperFleetModel
import Postgres

/// One row of an episode table (`sentinel_stale_episodes`, `sentinel_stuck_episodes`): present while
/// the condition holds. Several replicas check the same condition; the one whose insert opens the row
/// or whose delete closes it announces the change, so each episode is announced once.
struct EpisodeKey: Sendable {
    let table: String
    /// The key columns and their values, in the table's key order.
    let columns: [(name: String, value: String)]

    /// How many resource ids an episode's log line and alert event name.
    static let sampleSize = 10

    /// A stale-adapter episode: one per (resource type, adapter).
    static func staleAdapter(_ type: WatchedType, adapter: String) -> EpisodeKey {
        EpisodeKey(table: "sentinel_stale_episodes", columns: [("resource_type", type.rawValue), ("adapter", adapter)])
    }

    /// A stuck-resources episode: one per resource type.
    static func stuckResources(_ type: WatchedType) -> EpisodeKey {
        EpisodeKey(table: "sentinel_stuck_episodes", columns: [("resource_type", type.rawValue)])
    }
}

/// What a check did to its episode's row.
enum EpisodeChange: Sendable, Equatable {
    /// This replica opened the episode: announce it.
    case opened
    /// This replica closed the episode: announce the recovery.
    case closed
}

extension SentinelStore {
    /// Opens the episode when `active` and closes it otherwise; returns what changed, only for the one
    /// replica whose statement changed the row (nil when the row already was as it should be).
    func settleEpisode(_ key: EpisodeKey, active: Bool, at now: Timestamp) async throws -> EpisodeChange? {
        let values = key.columns.map(\.value)
        if active {
            let columns = key.columns.map(\.name).joined(separator: ", ")
            let placeholders = key.columns.indices.map { "$\($0 + 1)" }.joined(separator: ", ")
            let opened = try await pool.query(
                """
                INSERT INTO \(key.table) (\(columns), started_at) VALUES (\(placeholders), $\(values.count + 1)::timestamptz)
                ON CONFLICT DO NOTHING RETURNING started_at
                """, values + [now.rfc3339])
            return opened.isEmpty ? nil : .opened
        }
        let condition = key.columns.enumerated().map { "\($1.name) = $\($0 + 1)" }.joined(separator: " AND ")
        let closed = try await pool.query("DELETE FROM \(key.table) WHERE \(condition) RETURNING started_at", values)
        return closed.isEmpty ? nil : .closed
    }
}
