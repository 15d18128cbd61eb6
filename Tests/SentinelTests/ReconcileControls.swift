import Postgres
@testable import Sentinel

/// The operator's controls written as the API writes them (OPERATIONS.md): one statement each on
/// `hyperfleet_reconcile_controls`; its trigger writes the history entry and the Sentinel's change row.
extension SentinelHarness {
    /// `POST .../reconcile`: increments `request_seq` (creating the row on the first request).
    func requestReconcile(_ id: String, type: WatchedType = .clusters, by actor: String = "ops@example.com", reason: String? = nil) async throws {
        _ = try await pool.query(
            """
            INSERT INTO hyperfleet_reconcile_controls AS c (resource_type, resource_id, request_seq, requested_at, requested_by, request_reason)
            VALUES ($1, $2, 1, now(), $3, $4)
            ON CONFLICT (resource_type, resource_id) DO UPDATE SET request_seq = c.request_seq + 1,
                requested_at = EXCLUDED.requested_at, requested_by = EXCLUDED.requested_by, request_reason = EXCLUDED.request_reason
            """, [type.rawValue, id, actor, reason])
    }

    /// `POST .../pause`: sets `paused` (nothing changes when already paused).
    func pause(_ id: String, type: WatchedType = .clusters, by actor: String = "ops@example.com", reason: String? = nil) async throws {
        _ = try await pool.query(
            """
            INSERT INTO hyperfleet_reconcile_controls AS c (resource_type, resource_id, paused, paused_at, paused_by, pause_reason)
            VALUES ($1, $2, true, now(), $3, $4)
            ON CONFLICT (resource_type, resource_id) DO UPDATE SET paused = true, paused_at = EXCLUDED.paused_at,
                paused_by = EXCLUDED.paused_by, pause_reason = EXCLUDED.pause_reason
            WHERE NOT c.paused
            """, [type.rawValue, id, actor, reason])
    }

    /// `POST .../resume`: clears `paused` (nothing changes when running).
    func resume(_ id: String, type: WatchedType = .clusters, by actor: String = "ops@example.com", reason: String? = nil) async throws {
        _ = try await pool.query(
            """
            UPDATE hyperfleet_reconcile_controls SET paused = false, resumed_at = now(), resumed_by = $3, resume_reason = $4
            WHERE resource_type = $1 AND resource_id = $2 AND paused
            """, [type.rawValue, id, actor, reason])
    }

    /// The Sentinel's record of `id`, as the reconciliation view reads it.
    func record(_ id: String, type: WatchedType = .clusters) async throws -> PostgresRow? {
        try await pool.query(
            """
            SELECT served_request_seq, last_event_id, published_reason, next_reason, next_due_at, decided_at, attempts, claimed_by
            FROM sentinel_records WHERE resource_type = $1 AND resource_id = $2
            """, [type.rawValue, id]
        ).first
    }

    /// The history of `id`, newest first.
    func history(_ id: String, type: WatchedType = .clusters) async throws -> [PostgresRow] {
        Array(try await pool.query(
            """
            SELECT seq, action, reason, actor, event_id, generation, at FROM hyperfleet_reconcile_history
            WHERE resource_type = $1 AND resource_id = $2 ORDER BY seq DESC
            """, [type.rawValue, id]))
    }
}
