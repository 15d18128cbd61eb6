/// Migration 14: a resource's delete triggers find its rows through their indexes.
///
/// When a resource row goes, its triggers delete its Sentinel record, its liveness rows, its
/// reconcile controls and its history by `(resource_type, resource_id)`. Two things made them scan:
///
/// - the controls and history statements compared `resource_type` (text) with `TG_TABLE_NAME`, of
///   type `name`: the comparison is made as `name`, which no index on the text column serves, so every
///   deletion read both tables whole (1,000 deletions with 20,000 clusters and 60,000 history
///   entries, all analyzed: 13.8 and 16.6 s; now 0.16 and 0.13 s, benchmarks/README.md);
/// - PL/pgSQL keeps a session's plan of each statement: made while the tables were small (seen with
///   20 resources: a sequential scan of each), it stays until autovacuum's next analyze of the table
///   (the report's liveness write had the same weakness: migration 13).
///
/// Deletions are rare and each deletes a handful of rows, so the statements are planned on each run
/// (`EXECUTE`), with the tables as they are then and the type given as text.
extension Schema {
    /// The resource trigger's deletion of the resource's Sentinel rows since migration 14.
    static let sentinelRowsDeletedV14 = [
        "EXECUTE 'DELETE FROM sentinel_records WHERE resource_type = $1 AND resource_id = $2' USING rtype, OLD.id;",
        "EXECUTE 'DELETE FROM sentinel_adapter_liveness WHERE resource_type = $1 AND resource_id = $2' USING rtype, OLD.id;",
    ]

    static let deletePlansV14 = """
        \(resourceChangedFunction(onDelete: sentinelRowsDeletedV14))

        \(reconcileRemovedFunction("CREATE OR REPLACE FUNCTION", statements: [
            "EXECUTE 'DELETE FROM hyperfleet_reconcile_controls WHERE resource_type = $1 AND resource_id = $2' USING TG_TABLE_NAME::text, OLD.id;",
            "EXECUTE 'DELETE FROM hyperfleet_reconcile_history WHERE resource_type = $1 AND resource_id = $2' USING TG_TABLE_NAME::text, OLD.id;",
        ]))
        """
}

/// Migration 15: a cluster's phase change finds its nodepools through their index. The resource
/// trigger queues the nodepools of a cluster whose phase changed (they wait on it); its statement kept
/// the plan a session made while `nodepools` was small, a sequential scan, so on a connection that
/// had seen phase changes early every later one read the whole table until autovacuum's next analyze
/// (40,110 rows for a cluster of 20 nodepools after 40,000 were added; test
/// `aClusterPhaseChangeReadsOnlyItsNodePoolsWhateverPlanItsConnectionKept`). Phase changes are rare
/// beside reports, so the statement is planned when it runs, as migration 14 did for deletions.
extension Schema {
    static let phaseChangePlansV15 = resourceChangedFunction(
        onDelete: sentinelRowsDeletedV14,
        onClusterPhaseChange: [
            "-- Nodepools waiting on their cluster hear of its phase change promptly (planned on each run).",
            "EXECUTE 'INSERT INTO sentinel_changes (resource_type, resource_id) SELECT ''nodepools'', n.id FROM nodepools n WHERE n.cluster_id = $1'",
            "    USING NEW.id;",
        ])
}
