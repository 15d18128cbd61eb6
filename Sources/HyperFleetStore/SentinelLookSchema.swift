/// Migration 4: what the Sentinel's look reads of the adapter statuses, stored so that it is read
/// from one index without touching the `conditions` jsonb (the look's biggest server cost at 1M
/// clusters: benchmarks/SENTINEL-RESULTS.md).
extension Schema {
    /// The `status` of the condition of `type` in `conditions`, as text, or NULL when there is none.
    /// `jsonb_path_query_first` (without `_tz`) and `#>>` are IMMUTABLE, as a generated column needs.
    static func conditionStatus(_ type: String) -> String {
        "jsonb_path_query_first(conditions, '$[*] ? (@.type == \"\(type)\").status') #>> '{}'"
    }

    /// Generated columns (written by PostgreSQL with every report, whoever writes it) and an index
    /// that carries everything the look reads, so the read is an index-only scan.
    static func statusLookColumns(_ table: String, key: String) -> String {
        """
        ALTER TABLE \(table)
                ADD COLUMN available_status text GENERATED ALWAYS AS (\(conditionStatus("Available"))) STORED,
                ADD COLUMN finalized_status text GENERATED ALWAYS AS (\(conditionStatus("Finalized"))) STORED;
            CREATE INDEX \(table)_sentinel_look_idx ON \(table) (\(key))
                INCLUDE (adapter, observed_generation, last_report_time, available_status, finalized_status);
        """
    }

    static let sentinelLookV4 = """
        \(statusLookColumns("cluster_statuses", key: "cluster_id"))
        \(statusLookColumns("nodepool_statuses", key: "nodepool_id"))
        -- Room on each page for the look's claim to be a HOT update (it leaves the indexed columns
        -- alone). Applies to pages written from now on; existing pages gain room as rows move.
        ALTER TABLE sentinel_records SET (fillfactor = 70);
        """
}
