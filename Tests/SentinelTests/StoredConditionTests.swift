import HyperFleetModel
import Postgres
@testable import Sentinel
import Testing

/// Migration 4 stores each report's `Available`/`Finalized` condition status in generated columns
/// that the look reads instead of the `conditions` jsonb.
@Suite("Sentinel: stored condition statuses (migration 4)")
struct StoredConditionTests {
    /// For any shape of `conditions`, the stored columns hold exactly what the look's former jsonpath
    /// read returned: first matching condition wins, absent or null status is NULL, non-strings as text.
    @Test func storedColumnsMatchTheJsonpathRead() async throws {
        try await SentinelHarness.run { h in
            let cluster = try await h.createCluster("stored-conditions")
            let shapes = [
                #"[]"#,
                #"[{"type":"Available","status":"True"},{"type":"Finalized","status":"False"}]"#,
                #"[{"type":"Health","status":"True"}]"#,
                #"[{"type":"Available","status":"Unknown"},{"type":"Available","status":"True"}]"#,
                #"[{"type":"Available"},{"type":"Finalized","status":null}]"#,
                #"[{"type":"Available","status":true},{"type":"Finalized","status":{"x":1}}]"#,
                #"[{"type":"available","status":"True"},{"type":"Finalized","status":"ünï \"q\""}]"#,
            ]
            for (index, conditions) in shapes.enumerated() {
                _ = try await h.pool.query(
                    """
                    INSERT INTO cluster_statuses (cluster_id, adapter, observed_generation, observed_time, conditions, created_time, last_report_time)
                    VALUES ($1, $2, 1, now(), $3::jsonb, now(), now())
                    """, [cluster.id, "adapter-\(index)", conditions])
            }
            let rows = try await h.pool.query(
                """
                SELECT adapter, available_status, finalized_status,
                    jsonb_path_query_first(conditions, '$[*] ? (@.type == "Available").status') #>> '{}' AS available,
                    jsonb_path_query_first(conditions, '$[*] ? (@.type == "Finalized").status') #>> '{}' AS finalized
                FROM cluster_statuses WHERE cluster_id = $1 AND adapter LIKE 'adapter-%' ORDER BY adapter
                """, [cluster.id])
            #expect(rows.count == shapes.count)
            for row in rows {
                #expect(row["available_status"] == row["available"], "adapter \(row["adapter"] ?? "?")")
                #expect(row["finalized_status"] == row["finalized"], "adapter \(row["adapter"] ?? "?")")
            }
            #expect(rows.map { $0["available_status"] } == [nil, "True", nil, "Unknown", nil, "true", nil])
        }
    }

    /// A report written by the API's store updates the stored columns, and the look reads them.
    @Test func reportsThroughTheStoreReachTheLook() async throws {
        try await SentinelHarness.run { h in
            let cluster = try await h.createCluster("stored-conditions-api")
            try await h.report(cluster.id, adapter: "validation", generation: 1, available: .false)
            try await h.report(cluster.id, adapter: "validation", generation: 1, available: .true)
            let stored = try await h.pool.query(
                "SELECT available_status, finalized_status FROM cluster_statuses WHERE cluster_id = $1 AND adapter = 'validation'", [cluster.id])
            #expect(stored.first?["available_status"] == "True")
            #expect(stored.first?["finalized_status"] == nil)

            let store = SentinelStore(pool: h.pool)
            let states = try await h.pool.withTransaction { connection in
                try await store.ensureRecords(.clusters, ids: [cluster.id], on: connection)
                let locked = try await store.lockRecords(.clusters, ids: [cluster.id], now: h.clock.now(), on: connection)
                return try await store.states(.clusters, locked, on: connection).map(\.1)
            }
            #expect(states.count == 1)
            #expect(states.first?.observation.requiredAdapters.map(\.adapter) == ["dns", "validation"])
            #expect(states.first?.observation.requiredAdapters.last?.available == "True")
            #expect(states.first?.observation.requiredAdapters.first?.observedGeneration == nil)
            #expect(states.first?.observation.anyAdapterReported == true)
        }
    }
}
