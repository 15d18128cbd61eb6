/// Migration 7: the operator's reconcile controls and the reconcile history (OPERATIONS.md). The API
/// owns both tables; it writes only `hyperfleet_reconcile_controls`, one row per resource, created on
/// the first request. The trigger below turns each real change of that row into a history entry and
/// a change row for the Sentinel, in the API's transaction, so nothing is lost between two looks. The
/// Sentinel adds the `event` entries when it records a publish, and trims the history.
extension Schema {
    static let reconcileControlsV7 = """
        CREATE TABLE hyperfleet_reconcile_controls (
            resource_type text NOT NULL CHECK (resource_type IN ('clusters', 'nodepools')),
            resource_id text NOT NULL,
            -- Incremented by each reconcile request; the Sentinel serves it by sequence, never by clock.
            request_seq bigint NOT NULL DEFAULT 0 CHECK (request_seq >= 0),
            requested_at timestamptz,
            requested_by text,
            request_reason text,
            paused boolean NOT NULL DEFAULT false,
            paused_at timestamptz,
            paused_by text,
            pause_reason text,
            resumed_at timestamptz,
            resumed_by text,
            resume_reason text,
            PRIMARY KEY (resource_type, resource_id)
        );
        -- The stuck check leaves paused resources out with one lookup each.
        CREATE INDEX hyperfleet_reconcile_controls_paused_idx ON hyperfleet_reconcile_controls (resource_type, resource_id)
            WHERE paused;

        CREATE TABLE hyperfleet_reconcile_history (
            seq bigserial PRIMARY KEY,
            resource_type text NOT NULL CHECK (resource_type IN ('clusters', 'nodepools')),
            resource_id text NOT NULL,
            at timestamptz NOT NULL,
            action text NOT NULL CHECK (action IN ('event', 'reconcile', 'pause', 'resume')),
            -- The event's reason (its rule), or the operator's free text.
            reason text,
            -- Who: the operator's identity, or the Sentinel replica that published.
            actor text,
            event_id text,
            generation bigint
        );
        CREATE INDEX hyperfleet_reconcile_history_resource_idx ON hyperfleet_reconcile_history (resource_type, resource_id, seq DESC);
        CREATE INDEX hyperfleet_reconcile_history_at_idx ON hyperfleet_reconcile_history (at);

        CREATE FUNCTION hyperfleet_reconcile_control_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            old_seq bigint := 0;
            old_paused boolean := false;
        BEGIN
            IF TG_OP = 'UPDATE' THEN
                old_seq := OLD.request_seq;
                old_paused := OLD.paused;
            END IF;
            IF NEW.request_seq > old_seq THEN
                INSERT INTO hyperfleet_reconcile_history (resource_type, resource_id, at, action, reason, actor)
                VALUES (NEW.resource_type, NEW.resource_id, NEW.requested_at, 'reconcile', NEW.request_reason, NEW.requested_by);
            END IF;
            IF NEW.paused AND NOT old_paused THEN
                INSERT INTO hyperfleet_reconcile_history (resource_type, resource_id, at, action, reason, actor)
                VALUES (NEW.resource_type, NEW.resource_id, NEW.paused_at, 'pause', NEW.pause_reason, NEW.paused_by);
            ELSIF old_paused AND NOT NEW.paused THEN
                INSERT INTO hyperfleet_reconcile_history (resource_type, resource_id, at, action, reason, actor)
                VALUES (NEW.resource_type, NEW.resource_id, NEW.resumed_at, 'resume', NEW.resume_reason, NEW.resumed_by);
            END IF;
            IF NEW.request_seq > old_seq OR NEW.paused IS DISTINCT FROM old_paused THEN
                INSERT INTO sentinel_changes (resource_type, resource_id) VALUES (NEW.resource_type, NEW.resource_id);
                PERFORM pg_notify('hyperfleet_sentinel', NEW.resource_type);
            END IF;
            RETURN NULL;
        END
        $$;
        CREATE TRIGGER hyperfleet_reconcile_controls_changed AFTER INSERT OR UPDATE ON hyperfleet_reconcile_controls
            FOR EACH ROW EXECUTE FUNCTION hyperfleet_reconcile_control_changed();

        -- Controls and history go with their resource (a cluster's nodepools fire this through the cascade).
        \(reconcileRemovedFunction("CREATE FUNCTION", statements: [
            "DELETE FROM hyperfleet_reconcile_controls WHERE resource_type = TG_TABLE_NAME AND resource_id = OLD.id;",
            "DELETE FROM hyperfleet_reconcile_history WHERE resource_type = TG_TABLE_NAME AND resource_id = OLD.id;",
        ]))
        CREATE TRIGGER clusters_reconcile_removed AFTER DELETE ON clusters
            FOR EACH ROW EXECUTE FUNCTION hyperfleet_reconcile_resource_removed();
        CREATE TRIGGER nodepools_reconcile_removed AFTER DELETE ON nodepools
            FOR EACH ROW EXECUTE FUNCTION hyperfleet_reconcile_resource_removed();
        """

    /// The resource tables' delete trigger function for the controls and the history (`create`: `CREATE
    /// FUNCTION` or `CREATE OR REPLACE FUNCTION`), running `statements` (SQL lines). Migration 7 is
    /// checksummed: the text this builds for it must never change.
    static func reconcileRemovedFunction(_ create: String, statements: [String]) -> String {
        """
        \(create) hyperfleet_reconcile_resource_removed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
        \(statements.map { "    " + $0 }.joined(separator: "\n"))
            RETURN NULL;
        END
        $$;
        """
    }
}
