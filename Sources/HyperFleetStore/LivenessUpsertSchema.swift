/// Migration 13: a status report's liveness write finds its row through the primary key, whatever
/// plan the session keeps.
///
/// The status trigger updated the adapter's liveness row with `UPDATE ... WHERE resource_type,
/// resource_id, adapter`. PL/pgSQL keeps a session's plan of each statement, made when the statement
/// first ran often enough; made while the liveness table was small (a new installation: the API's
/// pooled connections keep their plans for as long as they live), that plan was a sequential scan
/// (seen with 80 rows) or a walk of the age index over every row of the adapter, filtered on the
/// resource (seen with an empty table), and it stayed until autovacuum's next analyze of the table
/// had it made again. A fleet created in that time paid a scan of the table for every report: in
/// `write-bench.sh`, with the liveness table filled after the plans were made, about a minute of
/// reports at a third of their speed, 2,600 buffers read per report instead of 49
/// (benchmarks/README.md, "Liveness plans").
///
/// An `INSERT ... ON CONFLICT DO UPDATE` finds the row through its arbiter, the primary key, in every
/// plan. It inserts the row only for a required adapter (the lookup in the required list, a table of
/// a few rows), which the create and list triggers have already written: so it changes nothing but
/// the path, and it writes back a row that a create racing a list change missed.
extension Schema {
    static let livenessUpsertV13 = statusChangedFunction(liveness: [
        "INSERT INTO sentinel_adapter_liveness (resource_type, resource_id, adapter, last_report_time, reported)",
        "SELECT rtype, rid, NEW.adapter, NEW.last_report_time, true",
        "FROM hyperfleet_required_adapters r WHERE r.resource_type = rtype AND r.adapter = NEW.adapter",
        "ON CONFLICT (resource_type, resource_id, adapter)",
        "    DO UPDATE SET last_report_time = EXCLUDED.last_report_time, reported = true;",
    ])
}
