import Postgres
import SentinelCore
import HyperFleetModel
import Timing

/// What the Sentinel stores for operators besides its records: the settings row per resource type
/// that the reconciliation views read, and the history trim (OPERATIONS.md, "History").
extension SentinelStore {
    /// A duration as a SQL parameter for `$n::bigint * interval '1 microsecond'`.
    static func intervalMicroseconds(_ duration: Duration) -> String {
        String(Microseconds.of(duration))
    }

    /// Upserts the settings row of each of `types`: what the views need of this replica's configuration.
    func writeSettings(_ types: [WatchedType], settings: SentinelSettings, by replica: String, at now: Timestamp) async throws {
        guard !types.isEmpty else { return }
        _ = try await pool.query(
            """
            INSERT INTO sentinel_settings AS t (resource_type, stale_adapter_after, stuck_after, stuck_delete_after, history_retention,
                written_by, written_at)
            SELECT unnest($1::text[]), $2::bigint * interval '1 microsecond', $3::bigint * interval '1 microsecond',
                $4::bigint * interval '1 microsecond', $5::bigint * interval '1 microsecond', $6, $7::timestamptz
            ON CONFLICT (resource_type) DO UPDATE SET
                stale_adapter_after = EXCLUDED.stale_adapter_after, stuck_after = EXCLUDED.stuck_after,
                stuck_delete_after = EXCLUDED.stuck_delete_after, history_retention = EXCLUDED.history_retention,
                written_by = EXCLUDED.written_by, written_at = EXCLUDED.written_at
            """,
            [
                SQLArray.literal(types.map(\.rawValue)),
                Self.intervalMicroseconds(settings.staleAdapterAfter), Self.intervalMicroseconds(settings.stuckAfter),
                Self.intervalMicroseconds(settings.stuckDeleteAfter), Self.intervalMicroseconds(settings.historyRetention),
                replica, now.rfc3339,
            ])
    }

    /// One step of the history trim, in its own short transaction; nil when another replica holds the
    /// trim row (it is trimming: this replica leaves it the work).
    enum TrimStep: Sendable, Equatable {
        /// Deleted `count` entries older than the retention.
        case aged(count: Int)
        /// Looked at `window` entries above the watermark and deleted `count` entries beyond the
        /// newest `keep` of their resources; `advanced` when the watermark moved past them.
        case counted(window: Int, count: Int, advanced: Bool)
    }

    /// Deletes up to `batch` entries older than `cutoff`, oldest first (index on `at`).
    func trimAged(before cutoff: Timestamp, batch: Int) async throws -> TrimStep? {
        try await pool.withTransaction { connection in
            guard try await Self.lockTrimRow(on: connection) != nil else { return nil }
            let result = try await connection.query(Self.trimAgedSQL(batch: batch), [cutoff.rfc3339])
            return .aged(count: result.affectedRows)
        }
    }

    /// Takes the next `batch` entries above the watermark (primary key order), and for their
    /// resources deletes what lies beyond the newest `keep` entries, at most `batch` per statement
    /// (index on resource and seq). The watermark advances past the window only once nothing more
    /// is left to delete for it, so a resource with a long tail is finished by the next steps.
    func trimCounted(keep: Int, batch: Int) async throws -> TrimStep? {
        try await pool.withTransaction { connection in
            guard let watermark = try await Self.lockTrimRow(on: connection) else { return nil }
            let window = try await connection.query(Self.trimWindowSQL(batch: batch), [String(watermark)])
            let entries = Int(try window.first?.int("entries") ?? 0)
            guard entries > 0, let last = try window.first?.optionalInt("last") else {
                return .counted(window: 0, count: 0, advanced: false)
            }
            let deleted = try await connection.query(Self.trimCountedSQL(keep: keep, batch: batch), [String(watermark), String(last)])
            let count = deleted.affectedRows
            let advanced = count < batch
            if advanced {
                _ = try await connection.query("UPDATE sentinel_history_trim SET trimmed_seq = $1::bigint", [String(last)])
            }
            return .counted(window: entries, count: count, advanced: advanced)
        }
    }

    /// Up to `batch` entries older than $1, oldest first (index on `at`).
    static func trimAgedSQL(batch: Int) -> String {
        """
        DELETE FROM hyperfleet_reconcile_history WHERE seq IN (
            SELECT seq FROM hyperfleet_reconcile_history WHERE at < $1::timestamptz ORDER BY at LIMIT \(batch))
        """
    }

    /// The size and last seq of the next `batch` entries above the watermark $1 (primary key).
    static func trimWindowSQL(batch: Int) -> String {
        """
        SELECT count(*) AS entries, max(seq) AS last
        FROM (SELECT seq FROM hyperfleet_reconcile_history WHERE seq > $1::bigint ORDER BY seq LIMIT \(batch)) w
        """
    }

    /// For the resources with entries in ($1, $2], the entries beyond their newest `keep`, at most
    /// `batch` (primary key range, then the index on resource and seq per resource).
    static func trimCountedSQL(keep: Int, batch: Int) -> String {
        """
        DELETE FROM hyperfleet_reconcile_history h WHERE h.seq IN (
            SELECT x.seq FROM (
                SELECT DISTINCT resource_type, resource_id FROM hyperfleet_reconcile_history
                WHERE seq > $1::bigint AND seq <= $2::bigint
            ) r
            CROSS JOIN LATERAL (
                SELECT seq FROM hyperfleet_reconcile_history k
                WHERE k.resource_type = r.resource_type AND k.resource_id = r.resource_id
                ORDER BY k.seq DESC OFFSET \(keep) LIMIT \(batch)
            ) x
            LIMIT \(batch))
        """
    }

    /// Locks the single trim row unless another replica holds it; returns the watermark.
    private static func lockTrimRow(on connection: PostgresConnection) async throws -> Int64? {
        let rows = try await connection.query("SELECT trimmed_seq FROM sentinel_history_trim FOR UPDATE SKIP LOCKED", [])
        return try rows.first?.int("trimmed_seq")
    }
}
