import Postgres
import SentinelCore
import HyperFleetModel

/// Loads a Sentinel's steady state with SQL (generate_series), fast: clusters, their adapter
/// statuses and the Sentinel's records, as if the Sentinel had been running for a while.
///
/// Row i (0-based) of n: id = md5('cluster-' || i) (32 characters of [0-9a-f], a valid id), spread
/// over the heap in insertion order. Every `dueStride`-th row is *due*: NotReady, adapters silent
/// for an hour, last event 20 minutes ago, `next_due_at` one minute before `t0`. The others are
/// not due: even rows Ready (adapters reported 5 minutes ago, next look 10-25 minutes after `t0`),
/// odd rows NotReady (next look 1-5 minutes after `t0`). The change queue stays empty ("nothing
/// changed"). Triggers are off while loading (session_replication_role = replica), so no change
/// rows, NOTIFYs or liveness rows are made; the look reads none of those.
enum BenchData {
    struct Loaded {
        var dueIDs: [String]
        var seconds: Double
        var sizes: String
    }

    static func load(
        _ pool: PostgresPool, clusters n: Int, dueStride: Int, adapters: [String], statuses: Bool, t0: Timestamp
    ) async throws -> Loaded {
        let start = ContinuousClock.now
        let t = sqlTimestamp(t0)
        try await pool.withTransaction { connection in
            _ = try await connection.query("SET LOCAL session_replication_role = replica")
            _ = try await connection.query(
                """
                INSERT INTO clusters (id, name, spec, labels, generation, created_time, updated_time, created_by, updated_by,
                    status_phase, status_observed_generation, status_last_transition_time, status_last_updated_time, status_conditions)
                SELECT md5('cluster-' || i), 'bench-' || i,
                    jsonb_build_object('region', (ARRAY['us-east-1', 'eu-west-1', 'ap-south-1'])[i % 3 + 1],
                                       'version', '4.16.' || (i % 20), 'nodes', i % 10 + 1),
                    jsonb_build_object('env', (ARRAY['prod', 'staging', 'dev'])[i % 3 + 1]),
                    1, \(t) - interval '2 days' - i * interval '10 ms', \(t) - interval '1 day', 'bench@example.com', 'bench@example.com',
                    CASE WHEN ready THEN 'Ready' ELSE 'NotReady' END, CASE WHEN ready THEN 1 ELSE 0 END,
                    \(t) - interval '1 day',
                    CASE WHEN ready THEN \(t) - interval '5 minutes' ELSE \(t) - interval '1 hour' END,
                    CASE WHEN ready THEN '[{"type":"Available","status":"True","reason":"AllAdaptersAvailable"},{"type":"Ready","status":"True","reason":"AllAdaptersAvailable"}]'::jsonb
                         ELSE '[{"type":"Available","status":"False","reason":"AdaptersNotAvailable"},{"type":"Ready","status":"False","reason":"AdaptersNotAvailable"}]'::jsonb END
                FROM (SELECT i, i % 2 = 0 AND i % \(dueStride) <> 0 AS ready FROM generate_series(0, \(n - 1)) AS i) AS s
                """)
            if statuses {
                _ = try await connection.query(
                    """
                    INSERT INTO cluster_statuses (cluster_id, adapter, observed_generation, observed_time, conditions, created_time, last_report_time)
                    SELECT c.id, a.adapter, 1, c.status_last_updated_time,
                        CASE WHEN c.status_phase = 'Ready'
                            THEN '[{"type":"Available","status":"True","reason":"JobSucceeded","message":"done","last_transition_time":"2026-01-01T00:00:00Z"},{"type":"Applied","status":"True","reason":"Applied","message":"applied","last_transition_time":"2026-01-01T00:00:00Z"},{"type":"Health","status":"True","reason":"Healthy","message":"ok","last_transition_time":"2026-01-01T00:00:00Z"}]'::jsonb
                            ELSE '[{"type":"Available","status":"False","reason":"JobRunning","message":"waiting","last_transition_time":"2026-01-01T00:00:00Z"},{"type":"Applied","status":"True","reason":"Applied","message":"applied","last_transition_time":"2026-01-01T00:00:00Z"},{"type":"Health","status":"True","reason":"Healthy","message":"ok","last_transition_time":"2026-01-01T00:00:00Z"}]'::jsonb
                        END,
                        c.created_time, c.status_last_updated_time
                    FROM clusters c CROSS JOIN unnest($1::text[]) AS a(adapter)
                    """, [textArray(adapters)])
            }
            _ = try await connection.query(
                """
                INSERT INTO sentinel_records (resource_type, resource_id, published_generation, published_at, published_reason,
                    attempts, progress_mark, next_due_at)
                SELECT 'clusters', md5('cluster-' || i), 1, \(t) - interval '20 minutes',
                    CASE WHEN ready THEN 'ready_stale' ELSE 'not_ready_backoff' END, 3, '',
                    CASE WHEN due THEN \(t) - interval '1 minute'
                         WHEN ready THEN \(t) + interval '10 minutes' + (i % 900) * interval '1 second'
                         ELSE \(t) + interval '1 minute' + (i % 240) * interval '1 second' END
                FROM (SELECT i, i % \(dueStride) = 0 AS due, i % 2 = 0 AND i % \(dueStride) <> 0 AS ready
                      FROM generate_series(0, \(n - 1)) AS i) AS s
                """)
        }
        // VACUUM as autovacuum would soon after a bulk load (visibility map, statistics).
        for table in ["clusters", "cluster_statuses", "sentinel_records", "sentinel_changes"] {
            _ = try await pool.query("VACUUM (ANALYZE) \(table)")
        }
        let due = try await pool.query(
            "SELECT resource_id FROM sentinel_records WHERE resource_type = 'clusters' AND next_due_at <= \(t) ORDER BY resource_id"
        ).map { try $0.text("resource_id") }
        let sizes = try await pool.query(
            """
            SELECT string_agg(format('%s %s', c, pg_size_pretty(pg_total_relation_size(c::regclass))), ', ' ORDER BY c) AS sizes
            FROM unnest(ARRAY['clusters', 'cluster_statuses', 'sentinel_records']) AS c
            """
        ).first?["sizes"] ?? "?"
        return Loaded(dueIDs: due, seconds: (ContinuousClock.now - start).inMilliseconds / 1000, sizes: sizes)
    }
}
