/// Migration 10: the change queue without the commit lock. PostgreSQL serializes the commits of every
/// transaction that sent a NOTIFY (one lock for the whole server, held through the commit's WAL flush),
/// so with a `pg_notify` in the resource and status triggers every report, PATCH and create committed
/// one at a time: 16 connections of report transactions spent most of their time in `Lock:object` at
/// COMMIT and managed 580-900 transactions/s where `pgbench -N` made 4,300-4,900 (benchmarks/README.md,
/// "The write path"). The triggers now only queue the change row, in the writer's transaction as
/// before; the wake-up hint is sent after the commit by the store (`ResourceStore.announce`, through
/// `PostgresHints`), coalesced, from a transaction of its own. A write made outside the store (psql) is still queued and is found by the
/// Sentinel's poll. Reconcile requests keep their trigger's NOTIFY: they are rare.
///
/// One change row per resource and transaction is enough (the Sentinel reads the resource as committed
/// and takes distinct ids), so a report, whose status row and resource row both changed, queues one
/// row instead of two. The transaction-local setting `hyperfleet.queued` remembers the last resource
/// queued; it ends with the transaction and is undone with a rolled-back savepoint, like the row.
/// Every column default of `sentinel_changes` (the trace context of migration 9) still applies.
extension Schema {
    static let changeQueueV10 = """
        CREATE FUNCTION hyperfleet_sentinel_queue(rtype text, rid text) RETURNS void LANGUAGE plpgsql AS $$
        BEGIN
            IF current_setting('hyperfleet.queued', true) IS DISTINCT FROM rtype || '/' || rid THEN
                INSERT INTO sentinel_changes (resource_type, resource_id) VALUES (rtype, rid);
                PERFORM set_config('hyperfleet.queued', rtype || '/' || rid, true);
            END IF;
        END
        $$;

        \(resourceChangedFunction(onDelete: [
            "DELETE FROM sentinel_records WHERE resource_type = rtype AND resource_id = OLD.id;",
            "DELETE FROM sentinel_adapter_liveness WHERE resource_type = rtype AND resource_id = OLD.id;",
        ]))

        \(statusChangedFunction(liveness: [
            "UPDATE sentinel_adapter_liveness SET last_report_time = NEW.last_report_time, reported = true",
            "WHERE resource_type = rtype AND resource_id = rid AND adapter = NEW.adapter;",
        ]))
        """

    /// The resource tables' change trigger function as migration 10 wrote it and migrations 14 and 15
    /// rewrote it: `onDelete` (SQL lines) deletes the resource's Sentinel rows when the resource goes,
    /// `onClusterPhaseChange` queues a cluster's nodepools when its phase changed. Migration 10 is
    /// checksummed: the text this builds for it must never change.
    static func resourceChangedFunction(onDelete: [String], onClusterPhaseChange: [String] = nodePoolsQueuedV10) -> String {
        """
        CREATE OR REPLACE FUNCTION hyperfleet_sentinel_resource_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            rtype text := TG_TABLE_NAME;
        BEGIN
            IF TG_OP = 'DELETE' THEN
        \(onDelete.map { "        " + $0 }.joined(separator: "\n"))
                RETURN OLD;
            END IF;
            PERFORM hyperfleet_sentinel_queue(rtype, NEW.id);
            IF TG_OP = 'INSERT' THEN
                INSERT INTO sentinel_adapter_liveness (resource_type, resource_id, adapter, last_report_time)
                SELECT rtype, NEW.id, r.adapter, NEW.created_time
                FROM hyperfleet_required_adapters r WHERE r.resource_type = rtype
                ON CONFLICT DO NOTHING;
            ELSIF rtype = 'clusters' AND NEW.status_phase IS DISTINCT FROM OLD.status_phase THEN
        \(onClusterPhaseChange.map { "        " + $0 }.joined(separator: "\n"))
            END IF;
            RETURN NEW;
        END
        $$;
        """
    }

    /// Migration 10's statement queueing a cluster's nodepools after its phase changed.
    static let nodePoolsQueuedV10 = [
        "-- Nodepools waiting on their cluster hear of its phase change promptly.",
        "INSERT INTO sentinel_changes (resource_type, resource_id)",
        "SELECT 'nodepools', n.id FROM nodepools n WHERE n.cluster_id = NEW.id;",
    ]

    /// The status tables' change trigger function as migration 10 wrote it and migration 13 rewrote
    /// it: `liveness` (SQL lines) records the report for the stale-adapter checks after the resource is
    /// queued. Migration 10 is checksummed: the text this builds for it must never change.
    static func statusChangedFunction(liveness: [String]) -> String {
        """
        CREATE OR REPLACE FUNCTION hyperfleet_sentinel_status_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            rtype text;
            rid text;
        BEGIN
            IF TG_TABLE_NAME = 'cluster_statuses' THEN
                rtype := 'clusters';
                rid := NEW.cluster_id;
            ELSE
                rtype := 'nodepools';
                rid := NEW.nodepool_id;
            END IF;
            PERFORM hyperfleet_sentinel_queue(rtype, rid);
        \(liveness.map { "    " + $0 }.joined(separator: "\n"))
            RETURN NEW;
        END
        $$;
        """
    }
}
