import Foundation
import HyperFleetStore
import Postgres
import Testing

/// Migration 9: a change row takes the trace context of the transaction that wrote it, from the
/// transaction-local settings, whichever trigger writes it.
@Suite("trace context kept with change rows")
struct ChangeTraceContextSchemaTests {
    static let traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

    /// The trace columns of the newest change row of `id`.
    static func newestChange(_ pool: PostgresPool, _ id: String) async throws -> (traceparent: String?, tracestate: String?) {
        let row = try #require(try await pool.query(
            "SELECT traceparent, tracestate FROM sentinel_changes WHERE resource_id = $1 ORDER BY seq DESC LIMIT 1", [id]).first)
        return (row["traceparent"], row["tracestate"])
    }

    @Test("a resource update, a status report and a reconcile request each store the writer's traceparent; an untraced write stores null")
    func triggersStoreTheSetting() async throws {
        try await APIHarness.run { api in
            let id = try #require(try await api.createCluster("trace-\(UUID().uuidString.prefix(8).lowercased())").at("id")?.stringValue)
            // Created through the API without tracing: no trace context.
            #expect(try await Self.newestChange(api.pool, id) == (nil, nil))

            let writes = [
                "UPDATE clusters SET generation = generation + 1 WHERE id = $1",
                """
                INSERT INTO cluster_statuses (cluster_id, adapter, observed_generation, observed_time, conditions, created_time, last_report_time)
                VALUES ($1, 'validation', 1, now(), '[]', now(), now())
                """,
                """
                INSERT INTO hyperfleet_reconcile_controls (resource_type, resource_id, request_seq, requested_at, requested_by)
                VALUES ('clusters', $1, 1, now(), 'test')
                """,
            ]
            for (index, sql) in writes.enumerated() {
                let state = "hf=\(index)"
                try await api.pool.withTransaction { connection in
                    _ = try await connection.query(
                        "SELECT set_config($1, $2, true), set_config($3, $4, true)",
                        [Schema.traceparentSetting, Self.traceparent, Schema.tracestateSetting, state])
                    _ = try await connection.query(sql, [id])
                }
                let stored = try await Self.newestChange(api.pool, id)
                #expect(stored.traceparent == Self.traceparent, "write \(index)")
                #expect(stored.tracestate == state, "write \(index)")
            }

            // The settings are transaction-local: the next write on any connection stores null again.
            for _ in 0..<4 {
                _ = try await api.pool.query("UPDATE clusters SET generation = generation + 1 WHERE id = $1", [id])
                #expect(try await Self.newestChange(api.pool, id) == (nil, nil))
            }
        }
    }
}
