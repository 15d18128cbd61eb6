/// Migration 8: what the Sentinel stores for operators (OPERATIONS.md), and the SQL views that the
/// API's reconciliation and history endpoints read. The views belong to the Sentinel: they say what
/// its records mean (pending request, next decision, stale, blocking), so the API reads rows and
/// decides nothing. Each view answers one resource with a few indexed reads.
extension Schema {
    /// One type's row of `hyperfleet_reconciliation`.
    static func reconciliationRows(_ table: String) -> String {
        """
        SELECT '\(table)'::text AS resource_type, r.id AS resource_id, r.generation, r.deleted_time, r.status_phase,
                coalesce(c.paused, false) AS paused, c.paused_at, c.paused_by, c.pause_reason,
                coalesce(c.request_seq, 0) AS request_seq, c.requested_at, c.requested_by, c.request_reason,
                coalesce(s.served_request_seq, 0) AS served_request_seq,
                coalesce(c.request_seq, 0) > coalesce(s.served_request_seq, 0) AS pending_request,
                s.last_event_id, s.published_reason AS last_event_reason, s.published_generation AS last_event_generation,
                s.published_at AS last_event_published_at,
                CASE WHEN coalesce(c.paused, false) OR s.next_due_at IS NULL THEN NULL ELSE s.next_reason END AS next_reason,
                CASE WHEN coalesce(c.paused, false) OR s.next_reason IS NULL THEN NULL ELSE s.next_due_at END AS next_due_at,
                s.decided_at, coalesce(s.attempts, 0) AS attempts, s.claimed_by, s.claim_expires_at,
                -- A DELETE of a paused resource waits for resume before its `deleted` event goes out. The
                -- DELETE raised the generation, so no event at that generation means none announced it
                -- (generations, not clocks: the Sentinel's clock and the database's may differ).
                coalesce(c.paused, false) AND r.deleted_time IS NOT NULL
                    AND coalesce(s.published_generation, 0) < r.generation AS deletion_held,
                st.stale_adapter_after, st.history_retention
            FROM \(table) r
            LEFT JOIN hyperfleet_reconcile_controls c ON c.resource_type = '\(table)' AND c.resource_id = r.id
            LEFT JOIN sentinel_records s ON s.resource_type = '\(table)' AND s.resource_id = r.id
            LEFT JOIN sentinel_settings st ON st.resource_type = '\(table)'
        """
    }

    /// One type's rows of `hyperfleet_reconciliation_adapters`: every required adapter, and every
    /// other adapter that reported. With no required adapters configured, every adapter that reported
    /// counts as required (CONTRACT.md, status aggregation).
    static func reconciliationAdapterRows(_ table: String, statuses: String, key: String) -> String {
        """
        SELECT '\(table)'::text AS resource_type, r.id AS resource_id, a.adapter, a.required,
                s.observed_generation, s.observed_generation = r.generation AS current,
                s.available_status AS available,
                jsonb_path_query_first(s.conditions, '$[*] ? (@.type == "Health").status') #>> '{}' AS health,
                s.last_report_time,
                a.required AND coalesce(s.last_report_time, r.created_time) < now() - st.stale_adapter_after AS stale,
                CASE
                    WHEN NOT a.required THEN NULL
                    WHEN s.adapter IS NULL THEN 'never_reported'
                    WHEN s.observed_generation < r.generation THEN 'behind_generation'
                    WHEN (jsonb_path_query_first(s.conditions, '$[*] ? (@.type == "Health").status') #>> '{}') = 'False'
                        THEN 'unhealthy'
                    WHEN s.available_status IS DISTINCT FROM 'True' THEN 'not_available'
                END AS blocking_reason
            FROM \(table) r
            CROSS JOIN LATERAL (
                SELECT q.adapter, true AS required FROM hyperfleet_required_adapters q WHERE q.resource_type = '\(table)'
                UNION ALL
                SELECT x.adapter, NOT EXISTS (SELECT 1 FROM hyperfleet_required_adapters q WHERE q.resource_type = '\(table)')
                FROM \(statuses) x
                WHERE x.\(key) = r.id
                  AND NOT EXISTS (SELECT 1 FROM hyperfleet_required_adapters q WHERE q.resource_type = '\(table)' AND q.adapter = x.adapter)
            ) a
            LEFT JOIN \(statuses) s ON s.\(key) = r.id AND s.adapter = a.adapter
            LEFT JOIN sentinel_settings st ON st.resource_type = '\(table)'
        """
    }

    static let sentinelOperationsV8 = """
        -- What the reconciliation view shows of the last event and the next decision. A look writes
        -- next_reason and decided_at with next_due_at (no index covers them, so the look's update stays HOT).
        ALTER TABLE sentinel_records
            ADD COLUMN served_request_seq bigint NOT NULL DEFAULT 0,
            ADD COLUMN last_event_id text,
            ADD COLUMN next_reason text,
            ADD COLUMN decided_at timestamptz;

        -- Written by each Sentinel at start-up (the last one to start wins): what the views need of
        -- its configuration, so that the API never reads the Sentinel's configuration file.
        CREATE TABLE sentinel_settings (
            resource_type text PRIMARY KEY CHECK (resource_type IN ('clusters', 'nodepools')),
            stale_adapter_after interval NOT NULL,
            stuck_after interval NOT NULL,
            stuck_delete_after interval NOT NULL,
            history_retention interval NOT NULL,
            written_by text NOT NULL,
            written_at timestamptz NOT NULL
        );

        -- Open stuck episodes, one per resource type: the replica that opens or closes one announces it.
        CREATE TABLE sentinel_stuck_episodes (
            resource_type text PRIMARY KEY CHECK (resource_type IN ('clusters', 'nodepools')),
            started_at timestamptz NOT NULL
        );

        -- How far the history trim has looked: entries above `trimmed_seq` name the resources to trim.
        CREATE TABLE sentinel_history_trim (
            singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
            trimmed_seq bigint NOT NULL DEFAULT 0
        );
        INSERT INTO sentinel_history_trim DEFAULT VALUES;

        -- The stuck check reads only what is not Ready (or deleting) and old enough: no scan of every resource.
        CREATE INDEX clusters_stuck_idx ON clusters ((greatest(status_last_transition_time, updated_time)), status_phase)
            WHERE status_phase <> 'Ready' AND deleted_time IS NULL;
        CREATE INDEX clusters_deleting_idx ON clusters (deleted_time) WHERE deleted_time IS NOT NULL;
        CREATE INDEX nodepools_stuck_idx ON nodepools ((greatest(status_last_transition_time, updated_time)), status_phase)
            WHERE status_phase <> 'Ready' AND deleted_time IS NULL;
        CREATE INDEX nodepools_deleting_idx ON nodepools (deleted_time) WHERE deleted_time IS NOT NULL;

        CREATE VIEW hyperfleet_reconciliation AS
            \(reconciliationRows("clusters"))
            UNION ALL
            \(reconciliationRows("nodepools"));

        CREATE VIEW hyperfleet_reconciliation_adapters AS
            \(reconciliationAdapterRows("clusters", statuses: "cluster_statuses", key: "cluster_id"))
            UNION ALL
            \(reconciliationAdapterRows("nodepools", statuses: "nodepool_statuses", key: "nodepool_id"));

        -- The history a read may return: entries within the retention (trimmed or not yet). Readers
        -- take the newest 100 per resource at most.
        CREATE VIEW hyperfleet_reconcile_history_kept AS
            SELECT h.seq, h.resource_type, h.resource_id, h.at, h.action, h.reason, h.actor, h.event_id, h.generation
            FROM hyperfleet_reconcile_history h
            LEFT JOIN sentinel_settings st ON st.resource_type = h.resource_type
            WHERE h.at >= now() - coalesce(st.history_retention, interval '7 days');
        """
}
