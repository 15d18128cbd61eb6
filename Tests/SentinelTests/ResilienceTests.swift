import Foundation
import HyperFleetModel
import HyperFleetStore
import HyperFleetTestSupport
import Kafka
import Postgres
import PostgresTestSupport
@testable import Sentinel
import SentinelCore
import Testing

@Suite("Sentinel: outages, replicas, scale")
struct ResilienceTests {
    /// All brokers down for 30 s while 500 resources fall due: the engine keeps looking without
    /// failing, the broker probe (what /readyz uses) says down, nothing is recorded; after recovery
    /// every resource is published once and recorded.
    @Test func brokersDownThenEveryDueResourcePublishedOnce() async throws {
        try await SentinelHarness.run(brokers: 1, producerProperties: ["message.timeout.ms": "1500"]) { h in
            let engine = h.engine()
            for index in 0..<500 { try await h.createCluster("down-\(index)") }
            try h.kafka.setBrokerDown(1)
            let outageEnds = ContinuousClock.now + .seconds(30)
            var looks = 0
            var failedPublishes = 0
            while ContinuousClock.now < outageEnds {
                let result = try await engine.look(.clusters)  // never throws for a broker outage
                failedPublishes += result.failed
                #expect(result.published == 0)
                looks += 1
                h.clock.advance(by: .seconds(1))
                try await Task.sleep(for: .milliseconds(500))
            }
            #expect(failedPublishes >= 500)
            #expect(await h.producer.isBrokerReachable(timeout: .seconds(1)) == false, "readiness reports Kafka down")
            let recorded = try await h.pool.query("SELECT count(*) AS n FROM sentinel_records WHERE published_at IS NOT NULL")
            #expect(try recorded.first?.int("n") == 0, "nothing recorded that was not acknowledged")
            try h.kafka.setBrokerUp(1)
            h.clock.advance(by: .seconds(60))  // past the capped publish retry
            try await h.drain(engine)
            let reader = try h.freshEvents()
            let events = try await reader.waitFor(500, within: .seconds(30))
            let keys = events.compactMap(\.keyString)
            #expect(keys.count == 500)
            #expect(Set(keys).count == 500, "each resource exactly once")
            let done = try await h.pool.query("SELECT count(*) AS n FROM sentinel_records WHERE published_reason = 'created'")
            #expect(try done.first?.int("n") == 500)
            #expect(await h.producer.isBrokerReachable(timeout: .seconds(2)))
            try await h.drain(engine)
            #expect(try await reader.settle() == 500)
            await reader.stop()
        }
    }

    /// Three replicas on one database share the due work with no duplicate events.
    @Test func threeReplicasPublishEachResourceOnce() async throws {
        try await SentinelHarness.run { h in
            let total = 5000
            _ = try await h.pool.query(
                """
                INSERT INTO clusters (id, name, spec, generation, created_time, updated_time, created_by, updated_by,
                    status_last_transition_time, status_last_updated_time)
                SELECT lpad(to_hex(g), 32, '0'), 'bulk-' || g, '{}', 1, now(), now(), 'b@x.io', 'b@x.io', now(), now()
                FROM generate_series(1, \(total)) g
                """)
            let replicas = (0..<3).map { h.engine(replica: "r\($0)") }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for replica in replicas {
                    group.addTask { try await h.drain(replica) }
                }
                try await group.waitForAll()
            }
            // Work can be re-queued while another replica holds a row: drain until quiet.
            for replica in replicas { try await h.drain(replica) }
            let events = try await h.events.waitFor(total, within: .seconds(60))
            let keys = events.compactMap(\.keyString)
            #expect(keys.count == total)
            #expect(Set(keys).count == total)
            #expect(try await h.events.settle() == total)
        }
    }

    /// A replica that claimed and died: its claims are picked up once the lease runs out.
    @Test func deadReplicasClaimsArePickedUpAfterTheLease() async throws {
        try await SentinelHarness.run { h in
            for index in 0..<20 { try await h.createCluster("orphan-\(index)") }
            let dying = h.engine(replica: "dying")
            let (pending, _) = try await dying.plan(.clusters)  // claimed, never published
            #expect(pending.count == 20)
            let survivor = h.engine(replica: "survivor")
            let early = try await survivor.look(.clusters)
            #expect(early.published == 0, "claims within their lease are respected")
            h.clock.advance(by: h.settings.claimLease + .seconds(1))
            try await h.drain(survivor)
            let events = try await h.events.waitFor(20)
            #expect(Set(events.compactMap(\.keyString)).count == 20)
        }
    }

    /// The database goes away under the engine and comes back: looks fail, then resume.
    @Test func databaseOutageThenResume() async throws {
        try await SentinelHarness.run { h in
            let engine = h.engine()
            try await h.createCluster("before")
            try await h.drain(engine)
            try await h.events.waitFor(1)
            try await TestDatabase.setReachable(h.databaseURL, false)
            await #expect(throws: (any Error).self) { try await engine.look(.clusters) }
            try await TestDatabase.setReachable(h.databaseURL, true)
            try await h.createCluster("after")
            try await h.drain(engine)
            let events = try await h.events.waitFor(2)
            #expect(events.map(\.reason) == ["created", "created"])
        }
    }

    /// The look's queries use indexes at 100,000 resources: no sequential scan on the resource tables.
    @Test func lookQueriesUseIndexes() async throws {
        try await SentinelHarness.run { h in
            _ = try await h.pool.query(
                """
                INSERT INTO clusters (id, name, spec, generation, created_time, updated_time, created_by, updated_by,
                    status_last_transition_time, status_last_updated_time)
                SELECT lpad(to_hex(g), 32, '0'), 'scale-' || g, '{}', 1, now(), now(), 'b@x.io', 'b@x.io', now(), now()
                FROM generate_series(1, 100000) g
                """)
            _ = try await h.pool.query(
                """
                INSERT INTO sentinel_records (resource_type, resource_id, published_generation, published_at, published_reason, next_due_at)
                SELECT 'clusters', id, 1, now(), 'created', now() + interval '1 hour' FROM clusters
                """)
            _ = try await h.pool.query(
                """
                INSERT INTO cluster_statuses (cluster_id, adapter, observed_generation, observed_time, conditions, created_time, last_report_time)
                SELECT id, 'dns', 1, now(), '[]', now(), now() FROM clusters
                """)
            // Every cluster with reconcile controls (the look joins them) and a history of three entries.
            _ = try await h.pool.query(
                "INSERT INTO hyperfleet_reconcile_controls (resource_type, resource_id, request_seq, requested_at) SELECT 'clusters', id, 1, now() FROM clusters")
            _ = try await h.pool.query(
                """
                INSERT INTO hyperfleet_reconcile_history (resource_type, resource_id, at, action)
                SELECT 'clusters', id, now() - (n || ' days')::interval, 'pause' FROM clusters, generate_series(1, 3) n
                """)
            _ = try await h.pool.query("DELETE FROM sentinel_changes")
            _ = try await h.pool.query("ANALYZE")
            let ids = SQLArray.literal((1...50).map { String(repeating: "0", count: 31 - String($0, radix: 16).count) + "0" + String($0, radix: 16) })
            let statements: [(String, [String?])] = [
                ("SELECT s.resource_id FROM sentinel_records s WHERE s.resource_type = $1 AND s.next_due_at <= now() AND (s.claimed_by IS NULL OR s.claim_expires_at < now()) ORDER BY s.next_due_at LIMIT 500", ["clusters"]),
                ("SELECT seq FROM sentinel_changes WHERE resource_type = $1 ORDER BY seq LIMIT 500", ["clusters"]),
                ("SELECT id, generation FROM clusters WHERE id = ANY($1::text[])", [ids]),
                ("SELECT cluster_id, adapter FROM cluster_statuses WHERE cluster_id = ANY($1::text[])", [ids]),
                ("SELECT resource_id FROM sentinel_records WHERE resource_type = $1 AND resource_id = ANY($2::text[])", ["clusters", ids]),
                ("SELECT count(*) FROM sentinel_adapter_liveness WHERE resource_type = $1 AND adapter = $2 AND last_report_time <= now() - interval '1 hour'", ["clusters", "dns"]),
                ("SELECT min(last_report_time) FROM sentinel_adapter_liveness WHERE resource_type = $1 AND adapter = $2", ["clusters", "dns"]),
                // The look's locking statements as the store sends them, with the records, resources and controls.
                (SentinelStore.lockedWithResources(.clusters, locking: """
                    SELECT \(SentinelStore.recordColumns) FROM sentinel_records s
                    WHERE s.resource_type = $1 AND s.next_due_at <= $2::timestamptz
                      AND (s.claimed_by IS NULL OR s.claim_expires_at < $2::timestamptz)
                    ORDER BY s.next_due_at LIMIT 500
                    FOR UPDATE OF s SKIP LOCKED
                    """, orderedByDue: true), ["clusters", Timestamp.now().rfc3339]),
                (SentinelStore.lockedWithResources(.clusters, locking: """
                    SELECT \(SentinelStore.recordColumns) FROM sentinel_records s
                    WHERE s.resource_type = $1 AND s.resource_id = ANY($2::text[])
                      AND (s.claimed_by IS NULL OR s.claim_expires_at < $3::timestamptz)
                    FOR UPDATE OF s SKIP LOCKED
                    """), ["clusters", ids, Timestamp.now().rfc3339]),
                // The history trim's statements (HistoryTrimmer).
                (SentinelStore.trimAgedSQL(batch: 1000), [(Timestamp.now() - .seconds(2 * 86400 + 3600)).rfc3339]),
                (SentinelStore.trimWindowSQL(batch: 1000), ["299000"]),
                (SentinelStore.trimCountedSQL(keep: 100, batch: 1000), ["299000", "300000"]),
            ]
            for (sql, parameters) in statements {
                let plan = try await h.pool.query("EXPLAIN " + sql, parameters).compactMap { $0["QUERY PLAN"] }.joined(separator: "\n")
                for table in [
                    "clusters", "sentinel_records", "sentinel_adapter_liveness", "cluster_statuses", "hyperfleet_reconcile_controls",
                    "hyperfleet_reconcile_history",
                ] {
                    #expect(!plan.contains("Seq Scan on \(table)"), "\(sql)\n\(plan)")
                }
            }
        }
    }
}
