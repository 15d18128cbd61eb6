extension Schema {
    /// Every statement that writes a resource table adds one row here (in its own transaction), so
    /// the sum of `weight` per type counts the committed writes a snapshot sees. Two snapshots with
    /// the same sum saw the same writes (committed writes only accumulate, and compaction keeps the
    /// sum), which lets a list reuse an exact `total` counted earlier. Rows are plain inserts: no
    /// shared counter row for writers to queue on or deadlock over.
    static let listTotalsV5 = """
        CREATE TABLE hyperfleet_list_changes (
            resource_type text NOT NULL CHECK (resource_type IN ('clusters', 'nodepools')),
            weight bigint NOT NULL DEFAULT 1 CHECK (weight > 0)
        );
        CREATE INDEX hyperfleet_list_changes_type_idx ON hyperfleet_list_changes (resource_type) INCLUDE (weight);

        CREATE FUNCTION hyperfleet_list_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO hyperfleet_list_changes (resource_type) VALUES (TG_TABLE_NAME);
            RETURN NULL;
        END;
        $$;
        CREATE TRIGGER clusters_list_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON clusters
            FOR EACH STATEMENT EXECUTE FUNCTION hyperfleet_list_changed();
        CREATE TRIGGER nodepools_list_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON nodepools
            FOR EACH STATEMENT EXECUTE FUNCTION hyperfleet_list_changed();
        """
}
