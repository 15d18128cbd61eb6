/// Migration 12: removing a required adapter no longer deletes its liveness rows in the list's
/// transaction (which held every report of that adapter until the list committed); the store deletes
/// them afterwards in short batches (`RequiredAdapters.sync`). An added adapter still gets a liveness
/// row on every resource of its type from the trigger.
extension Schema {
    static let requiredListV12 = """
        CREATE OR REPLACE FUNCTION hyperfleet_sentinel_required_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'DELETE' THEN
                RETURN OLD;
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
