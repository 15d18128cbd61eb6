import Foundation
import HTTPTypes
import HummingbirdTesting
import HyperFleetJSON
import HyperFleetModel
import HyperFleetStore
import HyperFleetTestSupport
import NIOCore
import Postgres
import Testing

/// The write path's guarantees after it was made cheaper (issue 14): aggregation under the row lock
/// whatever runs at the same time, and the change queue written in the writer's transaction.
@Suite("write path: concurrency and the change queue")
struct WritePathTests {
    static let required = ["validation", "dns", "pullsecret", "hypershift"]

    /// Reports, PATCHes and a required-adapter change run at once on the same clusters; afterwards
    /// each cluster's stored status equals a fresh aggregation of its stored rows under the final list.
    @Test func reportsPatchesAndARequiredChangeLeaveEveryStatusAggregated() async throws {
        try await APIHarness.run(clusterAdapters: Self.required) { api in
            var ids: [String] = []
            for index in 0..<6 {
                ids.append(try #require(try await api.createCluster("mixed-\(index)").at("id")?.stringValue))
            }
            let port = try #require(api.client.port)
            let clusters = ids
            let finalList = ["validation", "dns", "extra"]
            // Each reporter owns its adapters, so each (cluster, adapter) is reported in order.
            let reporters = [["validation", "dns"], ["pullsecret", "hypershift"], ["extra", "other"]]
            try await withThrowingTaskGroup(of: Int.self) { group in
                for adapters in reporters {
                    group.addTask {
                        let client = TestClient(host: "127.0.0.1", port: port, configuration: .init(timeout: .seconds(60)))
                        client.connect()
                        defer { Task { try? await client.shutdown() } }
                        var accepted = 0
                        for round in 0..<8 {
                            for id in clusters {
                                for adapter in adapters {
                                    let body = APIHarness.reportBody(
                                        adapter: adapter, generation: 1, available: (round + id.count) % 3 == 0 ? "False" : "True")
                                    let response = try await client.execute(TestClient.Request(
                                        "/api/hyperfleet/v1/clusters/\(id)/statuses", method: .post,
                                        headers: [.contentType: "application/json"], body: ByteBuffer(string: body)))
                                    if response.status == .created { accepted += 1 }
                                }
                            }
                        }
                        return accepted == 8 * clusters.count * adapters.count ? 0 : 1
                    }
                }
                group.addTask {
                    let client = TestClient(host: "127.0.0.1", port: port, configuration: .init(timeout: .seconds(60)))
                    client.connect()
                    defer { Task { try? await client.shutdown() } }
                    var failed = 0
                    for round in 0..<5 {
                        for id in clusters {
                            let response = try await client.execute(TestClient.Request(
                                "/api/hyperfleet/v1/clusters/\(id)", method: .patch, headers: [.contentType: "application/json"],
                                body: ByteBuffer(string: #"{"spec":{"round":\#(round)}}"#)))
                            if response.status != .ok { failed += 1 }
                        }
                    }
                    return failed
                }
                group.addTask {
                    try await RequiredAdapters.sync(.clusters, adapters: Self.required + ["extra"], store: api.store, batchSize: 2)
                    try await RequiredAdapters.sync(.clusters, adapters: finalList, store: api.store, batchSize: 2)
                    return 0
                }
                var failures = 0
                for try await count in group { failures += count }
                #expect(failures == 0)
            }
            for id in ids {
                let stored = try await api.get("/api/hyperfleet/v1/clusters/\(id)")
                let list = try await api.get("/api/hyperfleet/v1/clusters/\(id)/statuses?pageSize=100")
                let record = try JSONCoding.decoder.decode(Cluster.self, from: Data(stored.body.utf8))
                let rows = try JSONCoding.decoder.decode(ListPage<AdapterStatus>.self, from: Data(list.body.utf8)).items
                #expect(record.generation == 6)
                #expect(rows.count == 6)
                let fresh = StatusAggregation.aggregate(
                    generation: record.generation, createdTime: record.createdTime, previous: record.status,
                    statuses: rows, requiredAdapters: finalList.sorted(), now: .now())
                #expect(fresh == record.status, "cluster \(id)")
            }
        }
    }

    /// A committed report leaves exactly one change row for its cluster (the status row and the
    /// resource row both changed: one is enough); a report whose transaction fails at COMMIT, after
    /// every statement ran, leaves none, and no status row either.
    @Test func aReportQueuesItsChangeInItsOwnTransaction() async throws {
        try await APIHarness.run(clusterAdapters: Self.required) { api in
            let id = try #require(try await api.createCluster("queued").at("id")?.stringValue)
            let path = "/api/hyperfleet/v1/clusters/\(id)"
            // A check that fails at COMMIT (deferred) for the adapter 'doomed' only.
            _ = try await api.pool.query(
                """
                CREATE FUNCTION test_doomed() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF NEW.adapter = 'doomed' THEN RAISE EXCEPTION 'doomed report'; END IF;
                    RETURN NULL;
                END $$
                """)
            _ = try await api.pool.query(
                """
                CREATE CONSTRAINT TRIGGER test_doomed AFTER INSERT OR UPDATE ON cluster_statuses
                DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION test_doomed()
                """)
            func changeRows() async throws -> Int64 {
                try await api.pool.query("SELECT count(*) AS n FROM sentinel_changes WHERE resource_id = $1", [id]).first?.int("n") ?? -1
            }
            _ = try await api.pool.query("DELETE FROM sentinel_changes")

            let committed = try await api.report(path, adapter: "dns", generation: 1)
            #expect(committed.status == 201)
            #expect(try await changeRows() == 1)
            let stored = try await api.get(path)
            #expect(try stored.value("status.conditions")?.arrayValue?.count == 1)

            _ = try await api.pool.query("DELETE FROM sentinel_changes")
            let doomed = try await api.report(path, adapter: "doomed", generation: 1)
            #expect(doomed.status == 500)
            #expect(try await changeRows() == 0)
            let statuses = try await api.get(path + "/statuses")
            #expect(try statuses.int("total") == 1)
            let after = try await api.get(path)
            #expect(try after.value("status.conditions") == stored.value("status.conditions"))

            // And the PATCH path: one change row per committed PATCH.
            let patched = try await api.request(.patch, path, json: #"{"spec":{"x":1}}"#)
            #expect(patched.status == 200)
            #expect(try await changeRows() == 1)
        }
    }

    /// Migration 11 leaves room on the resource tables' pages for HOT status updates (the effect is
    /// measured in benchmarks/README.md; here, that the setting is there).
    @Test func theResourceTablesKeepRoomOnTheirPages() async throws {
        try await APIHarness.run(clusterAdapters: Self.required) { api in
            let options = try await api.pool.query(
                "SELECT reloptions::text AS options FROM pg_class WHERE relname IN ('clusters', 'nodepools') AND relkind = 'r' ORDER BY relname")
            #expect(try options.map { try $0.text("options") } == ["{fillfactor=75}", "{fillfactor=75}"])
        }
    }

    /// A report's liveness write reads its own row, whatever plan its connection made of the trigger's
    /// statements while the table was small (migration 13): reports on a table of 80 rows, then 2,000
    /// clusters more (8,000 liveness rows, not analyzed), then one more report on the same connection
    /// reads a few liveness rows, not the table (a sequential scan) or every row of its adapter (the
    /// age index). Before migration 13 it read every row.
    @Test func aReportsLivenessWriteReadsItsOwnRowWhateverPlanItsConnectionKept() async throws {
        try await APIHarness.run(clusterAdapters: Self.required) { api in
            func report(_ id: String) -> PipelinedStatement {
                PipelinedStatement(
                    """
                    INSERT INTO cluster_statuses (cluster_id, adapter, observed_generation, observed_time, conditions, created_time, last_report_time)
                    VALUES ($1, 'validation', 1, now(), '[]', now(), now())
                    """, [id])
            }
            _ = try await api.pool.query("ALTER TABLE sentinel_adapter_liveness SET (autovacuum_enabled = false)")
            try await Self.insertClusters(api.pool, "small-", 20)
            _ = try await api.pool.query("VACUUM ANALYZE sentinel_adapter_liveness")
            try await api.pool.withConnection { connection in
                // More runs than PL/pgSQL needs before it keeps a generic plan.
                for index in 1...10 { _ = try await connection.queries([report("small-\(index)")]) }
                try await Self.insertClusters(api.pool, "large-", 2_000)
                let read = try await Self.rowsRead(of: ["sentinel_adapter_liveness"], by: report("large-1000"), on: connection)
                #expect(read <= 2, "the report read \(read) liveness rows")
            }
            let row = try await api.pool.query(
                "SELECT reported FROM sentinel_adapter_liveness WHERE resource_id = 'large-1000' AND adapter = 'validation'")
            #expect(try row.first?.bool("reported") == true)
        }
    }

    /// A resource's deletion reads only its own rows of the Sentinel's and the reconcile tables,
    /// whatever plan its connection made of the delete triggers' statements while those tables were
    /// small (migration 14): deletions with 20 clusters, then 2,000 more with their records, liveness,
    /// controls and history rows (not analyzed), then one more deletion on the same connection. Before
    /// migration 14 it read every row of the four tables.
    @Test func aDeletionReadsOnlyItsOwnRowsWhateverPlanItsConnectionKept() async throws {
        try await APIHarness.run(clusterAdapters: Self.required) { api in
            let tables = ["sentinel_records", "sentinel_adapter_liveness", "hyperfleet_reconcile_controls", "hyperfleet_reconcile_history"]
            func insertClustersWithRows(_ prefix: String, _ count: Int) async throws {
                try await Self.insertClusters(api.pool, prefix, count)
                _ = try await api.pool.query(
                    """
                    INSERT INTO sentinel_records (resource_type, resource_id, published_generation, published_at, published_reason, next_due_at)
                    SELECT 'clusters', id, 1, now(), 'created', now() + interval '1 hour' FROM clusters WHERE starts_with(id, $1)
                    """, [prefix])
                // A reconcile request each: the controls row, and its trigger's history entry.
                _ = try await api.pool.query(
                    """
                    INSERT INTO hyperfleet_reconcile_controls (resource_type, resource_id, request_seq, requested_at)
                    SELECT 'clusters', id, 1, now() FROM clusters WHERE starts_with(id, $1)
                    """, [prefix])
            }
            for table in tables { _ = try await api.pool.query("ALTER TABLE \(table) SET (autovacuum_enabled = false)") }
            try await insertClustersWithRows("small-", 20)
            _ = try await api.pool.query("VACUUM ANALYZE " + tables.joined(separator: ", "))
            try await api.pool.withConnection { connection in
                for index in 1...10 { _ = try await connection.query("DELETE FROM clusters WHERE id = $1", ["small-\(index)"]) }
                try await insertClustersWithRows("large-", 2_000)
                let read = try await Self.rowsRead(
                    of: tables, by: PipelinedStatement("DELETE FROM clusters WHERE id = 'large-1000'"), on: connection)
                #expect(read <= 12, "the deletion read \(read) rows of \(tables)")
            }
            for table in tables {
                let left = try await api.pool.query("SELECT count(*) AS n FROM \(table) WHERE resource_id = 'large-1000'").first?.int("n")
                #expect(left == 0, "\(table)")
            }
        }
    }

    /// A cluster's phase change reads only its own nodepools to queue them, whatever plan its
    /// connection made of the resource trigger's statement while `nodepools` was small (migration 15):
    /// phase changes with 10 nodepools, then 4,000 more (not analyzed), then one more phase change on
    /// the same connection. Before migration 15 it read the whole table.
    @Test func aClusterPhaseChangeReadsOnlyItsNodePoolsWhateverPlanItsConnectionKept() async throws {
        try await APIHarness.run(clusterAdapters: Self.required) { api in
            _ = try await api.pool.query("ALTER TABLE nodepools SET (autovacuum_enabled = false)")
            try await Self.insertClusters(api.pool, "c-", 200)
            func insertNodePools(_ prefix: String, _ count: Int) async throws {
                _ = try await api.pool.query(
                    """
                    INSERT INTO nodepools (id, cluster_id, name, spec, created_time, updated_time, created_by, updated_by,
                        status_last_transition_time, status_last_updated_time)
                    SELECT $1 || g, 'c-' || (g % 200 + 1), $1 || g, '{}', now(), now(), 'b@x.io', 'b@x.io', now(), now()
                    FROM generate_series(1, $2::int) g
                    """, [prefix, String(count)])
            }
            func phaseChange(_ id: String) -> PipelinedStatement {
                PipelinedStatement(
                    "UPDATE clusters SET status_phase = CASE WHEN status_phase = 'Ready' THEN 'NotReady' ELSE 'Ready' END WHERE id = $1", [id])
            }
            try await insertNodePools("small-", 10)
            _ = try await api.pool.query("VACUUM ANALYZE nodepools")
            try await api.pool.withConnection { connection in
                // More runs than PL/pgSQL needs before it keeps a generic plan.
                for index in 1...10 { _ = try await connection.queries([phaseChange("c-\(index)")]) }
                try await insertNodePools("large-", 4_000)
                _ = try await api.pool.query("DELETE FROM sentinel_changes")
                let read = try await Self.rowsRead(of: ["nodepools"], by: phaseChange("c-100"), on: connection)
                #expect(read <= 40, "the phase change read \(read) nodepools")
            }
            let queued = try await api.pool.query(
                "SELECT count(DISTINCT resource_id) AS n FROM sentinel_changes WHERE resource_type = 'nodepools'")
            #expect(try queued.first?.int("n") == 20, "the cluster's 20 nodepools are queued")
        }
    }

    /// Inserts `count` clusters with SQL, ids and names `prefix` followed by 1...count (their triggers
    /// write their change and liveness rows).
    static func insertClusters(_ pool: PostgresPool, _ prefix: String, _ count: Int) async throws {
        _ = try await pool.withConnection { try await $0.queries([insertClusters(prefix, count)]) }
    }

    /// The statement of `insertClusters`.
    static func insertClusters(_ prefix: String, _ count: Int) -> PipelinedStatement {
        PipelinedStatement(
            """
            INSERT INTO clusters (id, name, spec, created_time, updated_time, created_by, updated_by,
                status_last_transition_time, status_last_updated_time)
            SELECT $1 || g, $1 || g, '{}', now(), now(), 'b@x.io', 'b@x.io', now(), now() FROM generate_series(1, $2::int) g
            """, [prefix, String(count)])
    }

    /// The rows of `tables` that `statement` read on `connection`, in a transaction of its own: the
    /// connection's counts not yet sent to the statistics (`pg_stat_xact_user_tables`), before and after.
    static func rowsRead(of tables: [String], by statement: PipelinedStatement, on connection: PostgresConnection) async throws -> Int64 {
        let counts = PipelinedStatement(
            """
            SELECT coalesce(sum(seq_tup_read + coalesce(idx_tup_fetch, 0)), 0)::bigint AS read FROM pg_stat_xact_user_tables
            WHERE relname = ANY($1::text[])
            """, [SQLArray.literal(tables)])
        let results = try await connection.queries([PipelinedStatement("BEGIN"), counts, statement, counts, PipelinedStatement("COMMIT")])
        return try #require(try results[3].first?.int("read")) - (try #require(try results[1].first?.int("read")))
    }

    /// A list change writes only what changed: the unchanged adapters' liveness rows are not rewritten
    /// (a rewrite held every report until the list committed), an added adapter gets a row on every
    /// cluster, and a removed one loses its rows after the list's transaction, in batches; rows of an
    /// adapter no longer required that an interrupted clean-up left are removed by the next change.
    @Test func aRequiredListChangeTouchesOnlyTheAdaptersItAddsOrRemoves() async throws {
        try await APIHarness.run(clusterAdapters: ["validation", "dns"]) { api in
            for index in 0..<5 { _ = try await api.createCluster("listed-\(index)") }
            func rows(_ adapter: String) async throws -> [String] {
                try await api.pool.query(
                    "SELECT resource_id || '@' || xmin::text AS version FROM sentinel_adapter_liveness WHERE adapter = $1 ORDER BY resource_id",
                    [adapter]
                ).map { try $0.text("version") }
            }
            let validation = try await rows("validation")
            #expect(validation.count == 5)
            // A row left by an earlier, interrupted clean-up.
            let someID = try #require(validation.first?.split(separator: "@").first.map(String.init))
            _ = try await api.pool.query(
                "INSERT INTO sentinel_adapter_liveness (resource_type, resource_id, adapter, last_report_time) VALUES ('clusters', $1, 'ghost', now())",
                [someID])

            #expect(try await RequiredAdapters.sync(.clusters, adapters: ["validation", "dns", "extra"], store: api.store, batchSize: 2))
            #expect(try await rows("validation") == validation, "unchanged adapters' rows are not rewritten")
            #expect(try await rows("extra").count == 5)
            #expect(try await rows("ghost").isEmpty)

            let dns = try await rows("dns")
            #expect(try await RequiredAdapters.sync(.clusters, adapters: ["validation", "extra"], store: api.store, batchSize: 2))
            #expect(try await rows("dns").isEmpty, "removed in batches of 2 after the list committed")
            #expect(try await rows("validation") == validation)
            #expect(try await RequiredAdapters.current(.clusters, pool: api.pool) == ["extra", "validation"])

            #expect(try await RequiredAdapters.sync(.clusters, adapters: ["validation", "extra", "dns"], store: api.store))
            #expect(try await rows("dns").count == dns.count)
            #expect(try await RequiredAdapters.sync(.clusters, adapters: ["dns", "extra", "validation"], store: api.store) == false)

            // A change says when it is done, and over how many resources.
            let recorder = LogRecorder()
            let recorded = ResourceStore(pool: api.pool, logger: recorder.logger)
            #expect(try await RequiredAdapters.sync(.clusters, adapters: ["validation", "dns"], store: recorded, batchSize: 2))
            let summary = recorder.lines("required adapters applied")
            #expect(summary.count == 1)
            #expect(summary.first?.metadata["resources"] == "5")
        }
    }
    /// An adapter added to the list while a create and a hard deletion are under way: the create read
    /// the old list and the list's trigger does not see it, and the trigger sees the resource being
    /// deleted. `sync` waits for both and then gives the created cluster its row of the added adapter,
    /// and leaves none of the deleted one (the stale check would count it for ever).
    @Test func anAdapterAddedWhileResourcesAreCreatedAndDeletedGetsARowOnExactlyTheResourcesThatExist() async throws {
        try await APIHarness.run(clusterAdapters: ["validation"]) { api in
            try await Self.insertClusters(api.pool, "kept-", 3)
            try await Self.insertClusters(api.pool, "gone-", 1)
            func adapters(_ id: String) async throws -> [String] {
                try await api.pool.query(
                    "SELECT adapter FROM sentinel_adapter_liveness WHERE resource_id = $1 ORDER BY adapter", [id]
                ).map { try $0.text("adapter") }
            }
            try await api.pool.withConnection { creating in
                try await api.pool.withConnection { deleting in
                    _ = try await creating.queries([PipelinedStatement("BEGIN"), Self.insertClusters("new-", 1)])
                    _ = try await deleting.queries([PipelinedStatement("BEGIN"), PipelinedStatement("DELETE FROM clusters WHERE id = 'gone-1'")])
                    let sync = Task {
                        try await RequiredAdapters.sync(.clusters, adapters: ["validation", "extra"], store: api.store, batchSize: 2)
                    }
                    // The list commits while both are under way.
                    let deadline = ContinuousClock.now + .seconds(20)
                    while try await RequiredAdapters.current(.clusters, pool: api.pool) != ["extra", "validation"], ContinuousClock.now < deadline {
                        try await Task.sleep(for: .milliseconds(10))
                    }
                    try await Task.sleep(for: .milliseconds(200))
                    _ = try await deleting.query("COMMIT")
                    // Time for batches that did not wait to pass the created cluster's id.
                    try await Task.sleep(for: .milliseconds(200))
                    _ = try await creating.query("COMMIT")
                    #expect(try await sync.value)
                }
            }
            #expect(try await adapters("new-1") == ["extra", "validation"])
            #expect(try await adapters("gone-1") == [])
            for index in 1...3 { #expect(try await adapters("kept-\(index)") == ["extra", "validation"]) }
        }
    }
    /// Creates through the API, hard deletions and required-list changes at once: afterwards every
    /// cluster has exactly one liveness row per adapter of the final list, and no row is left of a
    /// deleted cluster or of a removed adapter.
    @Test func createsDeletionsAndRequiredListChangesLeaveLivenessMatchingTheList() async throws {
        try await APIHarness.run(clusterAdapters: ["validation", "dns"]) { api in
            var doomed: [String] = []
            for index in 0..<20 { doomed.append(try #require(try await api.createCluster("doomed-\(index)").at("id")?.stringValue)) }
            for index in 0..<10 { _ = try await api.createCluster("kept-\(index)") }
            let finalList = ["dns", "extra", "validation"]
            let victims = doomed
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for index in 0..<40 { _ = try await api.createCluster("new-\(index)") }
                }
                group.addTask {
                    for id in victims { _ = try await api.pool.query("DELETE FROM clusters WHERE id = $1", [id]) }
                }
                group.addTask {
                    try await RequiredAdapters.sync(.clusters, adapters: ["validation", "dns", "extra"], store: api.store, batchSize: 2)
                    try await RequiredAdapters.sync(.clusters, adapters: ["validation", "extra"], store: api.store, batchSize: 2)
                    try await RequiredAdapters.sync(.clusters, adapters: finalList, store: api.store, batchSize: 2)
                }
                try await group.waitForAll()
            }
            let clusters = try await api.pool.query("SELECT count(*) AS n FROM clusters").first?.int("n")
            #expect(clusters == 50)
            let mismatched = try await api.pool.query(
                """
                SELECT c.id, coalesce(array_agg(l.adapter ORDER BY l.adapter) FILTER (WHERE l.adapter IS NOT NULL), '{}')::text AS adapters
                FROM clusters c LEFT JOIN sentinel_adapter_liveness l ON l.resource_type = 'clusters' AND l.resource_id = c.id
                GROUP BY c.id HAVING coalesce(array_agg(l.adapter ORDER BY l.adapter) FILTER (WHERE l.adapter IS NOT NULL), '{}') <> $1::text[]
                """, [SQLArray.literal(finalList)]
            ).map { "\(try $0.text("id")): \(try $0.text("adapters"))" }
            #expect(mismatched == [])
            let orphans = try await api.pool.query(
                """
                SELECT count(*) AS n FROM sentinel_adapter_liveness l
                WHERE NOT EXISTS (SELECT 1 FROM clusters c WHERE c.id = l.resource_id) AND l.resource_type = 'clusters'
                """).first?.int("n")
            #expect(orphans == 0)
        }
    }

    /// A transaction left open (a session idle in its transaction) does not hold a list change for
    /// ever: `sync` waits for it at most its limit, then goes on.
    @Test func aTransactionLeftOpenHoldsARequiredListChangeOnlyForItsLimit() async throws {
        try await APIHarness.run(clusterAdapters: ["validation"]) { api in
            try await Self.insertClusters(api.pool, "kept-", 2)
            try await api.pool.withConnection { idle in
                _ = try await idle.queries([PipelinedStatement("BEGIN"), Self.insertClusters("open-", 1)])
                let started = ContinuousClock.now
                #expect(try await RequiredAdapters.sync(
                    .clusters, adapters: ["validation", "extra"], store: api.store, inFlightLimit: .milliseconds(500)))
                let waited = ContinuousClock.now - started
                #expect(waited >= .milliseconds(500) && waited < .seconds(20), "waited \(waited)")
                _ = try await idle.query("ROLLBACK")
            }
            let rows = try await api.pool.query("SELECT count(*) AS n FROM sentinel_adapter_liveness WHERE adapter = 'extra'")
            #expect(try rows.first?.int("n") == 2)
        }
    }
}
