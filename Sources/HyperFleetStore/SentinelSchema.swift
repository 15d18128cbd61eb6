/// Migration 2: the Sentinel's own tables and the triggers that feed them. The API's code never
/// writes these tables; the triggers do, in the same transaction as the API's write.
extension Schema {
    /// Change rows on insert and delete, and on updates that can change a decision.
    static func resourceTriggers(_ table: String) -> String {
        """
        CREATE TRIGGER \(table)_sentinel_insert AFTER INSERT OR DELETE ON \(table)
                FOR EACH ROW EXECUTE FUNCTION hyperfleet_sentinel_resource_changed();
            CREATE TRIGGER \(table)_sentinel_update AFTER UPDATE ON \(table)
                FOR EACH ROW WHEN (OLD.generation IS DISTINCT FROM NEW.generation
                    OR OLD.deleted_time IS DISTINCT FROM NEW.deleted_time
                    OR OLD.status_phase IS DISTINCT FROM NEW.status_phase
                    OR OLD.status_last_transition_time IS DISTINCT FROM NEW.status_last_transition_time
                    OR OLD.status_conditions IS DISTINCT FROM NEW.status_conditions)
                EXECUTE FUNCTION hyperfleet_sentinel_resource_changed();
        """
    }

    static let sentinelV2 = """
        -- The last acknowledged event per resource, and when to look at it again.
        CREATE TABLE sentinel_records (
            resource_type text NOT NULL CHECK (resource_type IN ('clusters', 'nodepools')),
            resource_id text NOT NULL,
            published_generation bigint,
            published_at timestamptz,
            published_reason text,
            attempts integer NOT NULL DEFAULT 0,
            progress_mark text NOT NULL DEFAULT '',
            next_due_at timestamptz,
            claimed_by text,
            claim_expires_at timestamptz,
            PRIMARY KEY (resource_type, resource_id)
        );
        CREATE INDEX sentinel_records_due_idx ON sentinel_records (resource_type, next_due_at)
            WHERE next_due_at IS NOT NULL;

        -- Durable change queue: a Sentinel that was down or lost LISTEN misses nothing.
        CREATE TABLE sentinel_changes (
            seq bigserial PRIMARY KEY,
            resource_type text NOT NULL,
            resource_id text NOT NULL
        );
        CREATE INDEX sentinel_changes_type_idx ON sentinel_changes (resource_type, seq);

        -- One row per (resource, required adapter): its last report, or the resource's creation time.
        CREATE TABLE sentinel_adapter_liveness (
            resource_type text NOT NULL,
            resource_id text NOT NULL,
            adapter text NOT NULL,
            last_report_time timestamptz NOT NULL,
            reported boolean NOT NULL DEFAULT false,
            PRIMARY KEY (resource_type, resource_id, adapter)
        );
        CREATE INDEX sentinel_liveness_age_idx ON sentinel_adapter_liveness (resource_type, adapter, last_report_time);

        -- Open stale-adapter episodes: the replica that opens or closes one announces it, once.
        CREATE TABLE sentinel_stale_episodes (
            resource_type text NOT NULL,
            adapter text NOT NULL,
            started_at timestamptz NOT NULL,
            PRIMARY KEY (resource_type, adapter)
        );

        CREATE FUNCTION hyperfleet_sentinel_resource_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            rtype text := TG_TABLE_NAME;
        BEGIN
            IF TG_OP = 'DELETE' THEN
                DELETE FROM sentinel_records WHERE resource_type = rtype AND resource_id = OLD.id;
                DELETE FROM sentinel_adapter_liveness WHERE resource_type = rtype AND resource_id = OLD.id;
                RETURN OLD;
            END IF;
            INSERT INTO sentinel_changes (resource_type, resource_id) VALUES (rtype, NEW.id);
            IF TG_OP = 'INSERT' THEN
                INSERT INTO sentinel_adapter_liveness (resource_type, resource_id, adapter, last_report_time)
                SELECT rtype, NEW.id, r.adapter, NEW.created_time
                FROM hyperfleet_required_adapters r WHERE r.resource_type = rtype
                ON CONFLICT DO NOTHING;
            ELSIF rtype = 'clusters' AND NEW.status_phase IS DISTINCT FROM OLD.status_phase THEN
                -- Nodepools waiting on their cluster hear of its phase change promptly.
                INSERT INTO sentinel_changes (resource_type, resource_id)
                SELECT 'nodepools', n.id FROM nodepools n WHERE n.cluster_id = NEW.id;
                PERFORM pg_notify('hyperfleet_sentinel', 'nodepools');
            END IF;
            PERFORM pg_notify('hyperfleet_sentinel', rtype);
            RETURN NEW;
        END
        $$;

        \(resourceTriggers("clusters"))
        \(resourceTriggers("nodepools"))

        CREATE FUNCTION hyperfleet_sentinel_status_changed() RETURNS trigger LANGUAGE plpgsql AS $$
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
            INSERT INTO sentinel_changes (resource_type, resource_id) VALUES (rtype, rid);
            UPDATE sentinel_adapter_liveness SET last_report_time = NEW.last_report_time, reported = true
            WHERE resource_type = rtype AND resource_id = rid AND adapter = NEW.adapter;
            PERFORM pg_notify('hyperfleet_sentinel', rtype);
            RETURN NEW;
        END
        $$;

        CREATE TRIGGER cluster_statuses_sentinel AFTER INSERT OR UPDATE ON cluster_statuses
            FOR EACH ROW EXECUTE FUNCTION hyperfleet_sentinel_status_changed();
        CREATE TRIGGER nodepool_statuses_sentinel AFTER INSERT OR UPDATE ON nodepool_statuses
            FOR EACH ROW EXECUTE FUNCTION hyperfleet_sentinel_status_changed();

        -- A new required adapter gets a liveness row on every resource of its type; a removed one loses them.
        \(requiredChangedFunction(
            "CREATE FUNCTION",
            onDelete: "DELETE FROM sentinel_adapter_liveness WHERE resource_type = OLD.resource_type AND adapter = OLD.adapter;"))

        CREATE TRIGGER required_adapters_sentinel AFTER INSERT OR DELETE ON hyperfleet_required_adapters
            FOR EACH ROW EXECUTE FUNCTION hyperfleet_sentinel_required_changed();
        """
}

extension Schema {
    /// The trigger function of the required-adapter list (`create`: `CREATE FUNCTION` or `CREATE OR
    /// REPLACE FUNCTION`): a new required adapter gets a liveness row on every resource of its type,
    /// with its last report where it has one; a removed one runs `onDelete` (migration 2), or nothing
    /// (migration 12: the store deletes those rows afterwards, in batches). Migrations 2 and 12 are
    /// checksummed, so the text this builds for each must never change.
    static func requiredChangedFunction(_ create: String, onDelete: String?) -> String {
        let delete = onDelete.map { "        \($0)\n" } ?? ""
        return """
            \(create) hyperfleet_sentinel_required_changed() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'DELETE' THEN
            \(delete)        RETURN OLD;
                END IF;
                IF NEW.resource_type = 'clusters' THEN
                    INSERT INTO sentinel_adapter_liveness (resource_type, resource_id, adapter, last_report_time, reported)
                    SELECT 'clusters', c.id, NEW.adapter, coalesce(s.last_report_time, c.created_time), s.adapter IS NOT NULL
                    FROM clusters c LEFT JOIN cluster_statuses s ON s.cluster_id = c.id AND s.adapter = NEW.adapter
                    ON CONFLICT DO NOTHING;
                ELSE
                    INSERT INTO sentinel_adapter_liveness (resource_type, resource_id, adapter, last_report_time, reported)
                    SELECT 'nodepools', n.id, NEW.adapter, coalesce(s.last_report_time, n.created_time), s.adapter IS NOT NULL
                    FROM nodepools n LEFT JOIN nodepool_statuses s ON s.nodepool_id = n.id AND s.adapter = NEW.adapter
                    ON CONFLICT DO NOTHING;
                END IF;
                RETURN NEW;
            END
            $$;
            """
    }
}
