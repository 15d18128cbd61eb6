import Foundation
import HTTPTypes
import HyperFleetAuth
import HyperFleetJSON
import HyperFleetModel
import Postgres
import Testing

/// Reconcile, pause and resume, the reconciliation document and the history (OPERATIONS.md).
@Suite("reconcile controls, reconciliation view and history")
struct ReconcileTests {
    /// A cluster and a nodepool in it; the paths of both.
    static func resources(_ api: APIHarness) async throws -> (cluster: String, nodePool: String, clusterID: String, nodePoolID: String) {
        let clusterID = try #require(try await api.createCluster("ops-\(UUID().uuidString.prefix(8).lowercased())").at("id")?.stringValue)
        let nodePoolID = try #require(try await api.createNodePool(clusterID, "workers").at("id")?.stringValue)
        return (Paths.cluster(clusterID), Paths.nodePool(clusterID: clusterID, id: nodePoolID), clusterID, nodePoolID)
    }

    /// History entries and Sentinel change rows of one resource.
    static func counts(_ api: APIHarness, _ id: String) async throws -> (history: Int64, changes: Int64) {
        let row = try #require(try await api.pool.query(
            """
            SELECT (SELECT count(*) FROM hyperfleet_reconcile_history WHERE resource_id = $1) AS history,
                   (SELECT count(*) FROM sentinel_changes WHERE resource_id = $1) AS changes
            """, [id]).first)
        return (try row.int("history"), try row.int("changes"))
    }

    static func requestSeq(_ api: APIHarness, _ id: String) async throws -> Int64? {
        try await api.pool.query("SELECT request_seq FROM hyperfleet_reconcile_controls WHERE resource_id = $1", [id]).first?.int("request_seq")
    }

    @Test("reconcile, pause, resume on clusters and nodepools: one history entry and one change row per real change, nothing else touched")
    func controlsOnBothTypes() async throws {
        try await APIHarness.run { api in
            let made = try await Self.resources(api)
            for (path, id, kind) in [(made.cluster, made.clusterID, "Cluster"), (made.nodePool, made.nodePoolID, "NodePool")] {
                let before = try await api.get(path)
                var counts = try await Self.counts(api, id)

                // Reconcile without a body, then with a reason.
                let first = try await api.request(.post, path + "/reconcile")
                #expect(first.status == 202, "\(first.body)")
                #expect(try first.string("kind") == "Reconciliation")
                #expect(try first.string("resource_kind") == kind)
                #expect(try first.string("id") == id)
                #expect(try first.string("href") == path)
                #expect(try first.value("pending_request") == .bool(true))
                #expect(try first.string("requested_by") == "system@hyperfleet.local")
                #expect(try await Self.requestSeq(api, id) == 1)
                var after = try await Self.counts(api, id)
                #expect(after.history == counts.history + 1 && after.changes == counts.changes + 1)
                counts = after
                let second = try await api.post(path + "/reconcile", #"{"reason":"poke it"}"#)
                #expect(second.status == 202)
                #expect(try await Self.requestSeq(api, id) == 2)
                after = try await Self.counts(api, id)
                #expect(after.history == counts.history + 1 && after.changes == counts.changes + 1)
                #expect(try second.string("history.0.action") == "reconcile")
                #expect(try second.string("history.0.reason") == "poke it")
                #expect(try second.string("history.0.by") == "system@hyperfleet.local")

                // Pause twice, resume twice: the second of each changes nothing.
                counts = after
                let paused = try await api.post(path + "/pause", #"{"reason":"incident 42"}"#)
                #expect(paused.status == 200, "\(paused.body)")
                #expect(try paused.value("paused") == .bool(true))
                #expect(try paused.string("pause_reason") == "incident 42")
                #expect(try paused.string("paused_by") == "system@hyperfleet.local")
                #expect(try paused.string("paused_at") != nil)
                after = try await Self.counts(api, id)
                #expect(after.history == counts.history + 1 && after.changes == counts.changes + 1)
                counts = after
                let again = try await api.post(path + "/pause", #"{"reason":"another"}"#)
                #expect(again.status == 200)
                #expect(try again.string("pause_reason") == "incident 42")
                after = try await Self.counts(api, id)
                #expect(after.history == counts.history && after.changes == counts.changes)

                let resumed = try await api.request(.post, path + "/resume", json: "")
                #expect(resumed.status == 200)
                #expect(try resumed.value("paused") == .bool(false))
                after = try await Self.counts(api, id)
                #expect(after.history == counts.history + 1 && after.changes == counts.changes + 1)
                counts = after
                #expect(try await api.request(.post, path + "/resume").status == 200)
                after = try await Self.counts(api, id)
                #expect(after.history == counts.history && after.changes == counts.changes)

                // Generation, updated_time and status are untouched: the resource reads the same.
                #expect(try await api.get(path).body == before.body)

                let view = try await api.get(path + "/reconciliation")
                #expect(view.status == 200)
                #expect(try view.string("kind") == "Reconciliation")
                #expect(try view.int("generation") == 1)
                let history = try await api.get(path + "/history")
                #expect(history.status == 200)
                #expect(try history.string("kind") == "ReconcileHistoryList")
                #expect(try history.int("total") == 4)
                #expect(try history.string("items.0.action") == "resume")
                #expect(try history.string("items.1.action") == "pause")
                #expect(try history.string("items.2.action") == "reconcile")
                #expect(try history.string("items.3.action") == "reconcile")
            }
        }
    }

    @Test("unknown resources, a nodepool under another cluster, bad bodies and bad paging")
    func notFoundAndBadInput() async throws {
        try await APIHarness.run { api in
            let made = try await Self.resources(api)
            let other = try #require(try await api.createCluster("elsewhere").at("id")?.stringValue)
            let unknown = "0" + String(made.clusterID.dropFirst()).replacingOccurrences(of: "0", with: "1")
            let misplaced = Paths.nodePool(clusterID: other, id: made.nodePoolID)
            for base in [Paths.cluster(unknown), misplaced, Paths.nodePool(clusterID: made.clusterID, id: unknown), Paths.cluster("nope")] {
                for control in ["reconcile", "pause", "resume"] {
                    let reply = try await api.request(.post, base + "/" + control)
                    #expect(reply.status == 404, "\(control) \(base): \(reply.body)")
                    #expect(reply.errorCode == "7")
                }
                #expect(try await api.get(base + "/reconciliation").status == 404)
                #expect(try await api.get(base + "/history").status == 404)
            }
            #expect(try await Self.counts(api, made.nodePoolID).history == 0)

            for path in [made.cluster, made.nodePool] {
                let long = try await api.post(path + "/pause", #"{"reason":"\#(String(repeating: "x", count: 257))"}"#)
                #expect(long.status == 400)
                #expect(long.errorCode == "8")
                #expect(try long.string("details.0.field") == "reason")
                let fits = try await api.post(path + "/reconcile", #"{"reason":"\#(String(repeating: "é", count: 256))"}"#)
                #expect(fits.status == 202, "\(fits.body)")
                let unknownField = try await api.post(path + "/reconcile", #"{"reason":"x","force":true}"#)
                #expect(unknownField.status == 400)
                #expect(try unknownField.string("details.0.field") == "force")
                let notString = try await api.post(path + "/pause", #"{"reason":42}"#)
                #expect(notString.status == 400)
                #expect(try notString.string("details.0.field") == "reason")
                #expect(try await api.post(path + "/pause", "[1]").status == 400)
                #expect(try await api.request(.post, path + "/pause", json: "reason", contentType: "text/plain").status == 415)
                let badPage = try await api.get(path + "/history?pageSize=0")
                #expect(badPage.status == 400)
                #expect(try badPage.string("details.0.field") == "pageSize")
            }
            // Only the two accepted reconciles were recorded.
            #expect(try await Self.requestSeq(api, made.clusterID) == 1)
            #expect(try await Self.counts(api, made.clusterID).history == 1)
        }
    }

    @Test("the writes need the resource-write claim; an adapter-only token is refused; reads need no claim")
    func claims() async throws {
        let minter = try TokenMinter()
        let authenticator = try await minter.authenticator()
        try await APIHarness.run(authenticator: authenticator, configure: {
            $0.resourceWriteClaim = ClaimRequirement(claim: "scope", value: "hyperfleet.write")
            $0.adapterWriteClaim = ClaimRequirement(claim: "scope", value: "hyperfleet.adapter")
        }) { api in
            let writer = AuthTests.bearer(try await minter.token(email: "ops@example.com", scope: "hyperfleet.write"))
            let adapter = AuthTests.bearer(try await minter.token(scope: "hyperfleet.adapter"))
            let created = try await api.post("/api/hyperfleet/v1/clusters", #"{"kind":"Cluster","name":"guarded","spec":{}}"#, headers: writer)
            let path = Paths.cluster(try #require(try created.string("id")))
            for control in ["reconcile", "pause", "resume"] {
                let denied = try await api.request(.post, path + "/" + control, headers: adapter)
                #expect(denied.status == 403)
                #expect(denied.errorCode == "11")
                #expect(try await api.request(.post, path + "/" + control).status == 401)
            }
            #expect(try await Self.counts(api, try #require(try created.string("id"))).history == 0)
            let accepted = try await api.request(.post, path + "/pause", headers: writer)
            #expect(accepted.status == 200)
            #expect(try accepted.string("paused_by") == "ops@example.com")
            #expect(try await api.get(path + "/reconciliation", headers: adapter).status == 200)
            #expect(try await api.get(path + "/history", headers: adapter).status == 200)
        }
    }

    @Test("history: at most the newest 100 entries, newest first, paged; none older than the retention")
    func historyIsBoundedAndPaged() async throws {
        try await APIHarness.run { api in
            let made = try await Self.resources(api)
            _ = try await api.pool.query(
                """
                INSERT INTO hyperfleet_reconcile_history (resource_type, resource_id, at, action, reason, actor, event_id, generation)
                SELECT 'clusters', $1, now() - (150 - n) * interval '1 minute', 'event', 'generation_changed', 'sentinel-0', 'ev-' || n, 1
                FROM generate_series(1, 150) AS n
                """, [made.clusterID])
            let first = try await api.get(made.cluster + "/history?pageSize=30")
            #expect(first.status == 200)
            #expect(try first.int("total") == 100)
            #expect(try first.int("size") == 30)
            #expect(try first.string("items.0.event_id") == "ev-150")
            #expect(try first.string("items.0.replica") == "sentinel-0")
            #expect(try first.string("items.0.reason") == "generation_changed")
            #expect(try first.int("items.0.generation") == 1)
            #expect(try first.string("items.29.event_id") == "ev-121")
            let last = try await api.get(made.cluster + "/history?page=4&pageSize=30")
            #expect(try last.int("size") == 10)
            #expect(try last.string("items.9.event_id") == "ev-51")
            let beyond = try await api.get(made.cluster + "/history?page=5&pageSize=30")
            #expect(try beyond.int("size") == 0)
            #expect(try beyond.int("total") == 100)
            let view = try await api.get(made.cluster + "/reconciliation")
            #expect(view.status == 200)
            #expect(try view.json().at("history")?.arrayValue?.count == 20)
            #expect(try view.string("history.0.event_id") == "ev-150")

            // A retention of an hour in the Sentinel's settings leaves out what is older.
            _ = try await api.pool.query(
                """
                INSERT INTO sentinel_settings (resource_type, stale_adapter_after, stuck_after, stuck_delete_after, history_retention, written_by, written_at)
                VALUES ('clusters', interval '10 minutes', interval '30 minutes', interval '30 minutes', interval '60 minutes', 'test', now())
                """)
            let kept = try await api.get(made.cluster + "/history?pageSize=100")
            let total = try #require(try kept.int("total"))
            #expect((60...61).contains(total), "\(total)")
            #expect(try kept.string("items.0.event_id") == "ev-150")
        }
    }

    @Test("blocking names each required adapter with its reason, from real reports")
    func blockingReasons() async throws {
        try await APIHarness.run { api in
            let made = try await Self.resources(api)
            let path = made.cluster
            #expect(try await api.request(.patch, path, json: #"{"spec":{"size":2}}"#).status == 200)
            #expect(try await api.report(path, adapter: "validation", generation: 1).status == 201)
            #expect(try await api.report(path, adapter: "dns", generation: 2, available: "False", health: "False").status == 201)
            #expect(try await api.report(path, adapter: "pullsecret", generation: 2, available: "False").status == 201)
            #expect(try await api.report(path, adapter: "monitoring", generation: 2).status == 201)
            let view = try await api.get(path + "/reconciliation")
            #expect(view.status == 200, "\(view.body)")
            let blocking = try view.json().at("blocking")?.arrayValue?.map { "\($0.at("adapter")?.stringValue ?? "")=\($0.at("reason")?.stringValue ?? "")" }
            #expect(blocking == ["dns=unhealthy", "hypershift=never_reported", "pullsecret=not_available", "validation=behind_generation"])
            let names = try view.json().at("adapters")?.arrayValue?.map { $0.at("name")?.stringValue ?? "" }
            #expect(names == ["dns", "hypershift", "monitoring", "pullsecret", "validation"])
            #expect(try view.value("adapters.1.required") == .bool(true))
            #expect(try view.value("adapters.1.observed_generation") == .null)
            #expect(try view.value("adapters.1.last_report_time") == .null)
            #expect(try view.value("adapters.2.required") == .bool(false))
            #expect(try view.value("adapters.4.current") == .bool(false))
            #expect(try view.int("adapters.4.observed_generation") == 1)
            #expect(try view.string("adapters.0.health") == "False")
            #expect(try view.string("adapters.3.available") == "False")
            #expect(try view.value("adapters.3.current") == .bool(true))
            #expect(try view.string("phase") == "Failed")  // dns reports Health=False
            // No Sentinel yet: its fields are null, false or 0.
            #expect(try view.value("last_event") == .null)
            #expect(try view.value("next") == .null)
            #expect(try view.value("decided_at") == .null)
            #expect(try view.int("attempts") == 0)

            for adapter in ["validation", "dns", "pullsecret", "hypershift"] {
                #expect(try await api.report(path, adapter: adapter, generation: 2).status == 201)
            }
            let ready = try await api.get(path + "/reconciliation")
            #expect(try ready.string("phase") == "Ready")
            #expect(try ready.json().at("blocking")?.arrayValue?.isEmpty == true)
        }
    }

    @Test("the Sentinel's record renders as last_event and next; a paused resource has no next; a paused DELETE is held")
    func sentinelRecordPauseAndDeletion() async throws {
        try await APIHarness.run { api in
            let made = try await Self.resources(api)
            for (type, id, path) in [("clusters", made.clusterID, made.cluster), ("nodepools", made.nodePoolID, made.nodePool)] {
                _ = try await api.pool.query(
                    """
                    INSERT INTO sentinel_records (resource_type, resource_id, published_generation, published_at, published_reason, attempts,
                        next_due_at, claimed_by, last_event_id, next_reason, decided_at)
                    VALUES ($1, $2, 1, '2026-12-01T10:00:00Z', 'created', 3, '2026-12-01T10:05:00Z', NULL, 'event-1', 'not_ready_backoff',
                        '2026-12-01T10:00:01Z')
                    """, [type, id])
                let view = try await api.get(path + "/reconciliation")
                #expect(try view.string("last_event.id") == "event-1")
                #expect(try view.string("last_event.reason") == "created")
                #expect(try view.int("last_event.generation") == 1)
                #expect(try view.string("last_event.published_at") == "2026-12-01T10:00:00.000000Z")
                #expect(try view.string("next.reason") == "not_ready_backoff")
                #expect(try view.string("next.due_at") == "2026-12-01T10:05:00.000000Z")
                #expect(try view.string("decided_at") == "2026-12-01T10:00:01.000000Z")
                #expect(try view.int("attempts") == 3)
                #expect(try view.value("deletion_held") == .bool(false))

                let paused = try await api.request(.post, path + "/pause")
                #expect(try paused.value("next") == .null)
                let deleted = try await api.request(.delete, path)
                #expect(deleted.status == 202)
                let held = try await api.get(path + "/reconciliation")
                #expect(try held.value("deletion_held") == .bool(true))
                #expect(try held.string("deleted_time") != nil)
                let resumed = try await api.request(.post, path + "/resume")
                #expect(try resumed.value("deletion_held") == .bool(false))
                #expect(try resumed.string("next.reason") == "not_ready_backoff")
            }
        }
    }

    @Test("the view's reads use indexes: no sequential scan of resources or statuses")
    func viewReadsAreIndexed() async throws {
        try await APIHarness.run { api in
            let made = try await Self.resources(api)
            // Enough rows that a scan would cost more than an index read.
            _ = try await api.pool.query(
                """
                INSERT INTO clusters (id, name, spec, generation, created_time, updated_time, created_by, updated_by,
                    status_last_transition_time, status_last_updated_time)
                SELECT lpad(to_hex(n), 32, '0'), 'bulk-' || n, '{}', 1, now(), now(), 't', 't', now(), now()
                FROM generate_series(1, 3000) AS n
                """)
            _ = try await api.pool.query(
                """
                INSERT INTO nodepools (id, name, spec, generation, created_time, updated_time, created_by, updated_by,
                    status_last_transition_time, status_last_updated_time, cluster_id)
                SELECT lpad(to_hex(n), 32, '0'), 'bulk', '{}', 1, now(), now(), 't', 't', now(), now(), lpad(to_hex(n), 32, '0')
                FROM generate_series(1, 3000) AS n
                """)
            _ = try await api.pool.query(
                """
                INSERT INTO cluster_statuses (cluster_id, adapter, observed_generation, observed_time, conditions, created_time, last_report_time)
                SELECT lpad(to_hex(n), 32, '0'), a, 1, now(), '[]', now(), now()
                FROM generate_series(1, 3000) AS n, unnest(ARRAY['validation', 'dns']) AS a
                """)
            _ = try await api.pool.query(
                """
                INSERT INTO nodepool_statuses (nodepool_id, adapter, observed_generation, observed_time, conditions, created_time, last_report_time)
                SELECT lpad(to_hex(n), 32, '0'), 'validation', 1, now(), '[]', now(), now() FROM generate_series(1, 3000) AS n
                """)
            _ = try await api.pool.query(
                """
                INSERT INTO hyperfleet_reconcile_history (resource_type, resource_id, at, action, reason, actor)
                SELECT 'clusters', lpad(to_hex(n % 3000 + 1), 32, '0'), now(), 'reconcile', NULL, 'bulk' FROM generate_series(1, 30000) AS n
                """)
            _ = try await api.pool.query("ANALYZE")
            let queries = [
                ("clusters", made.clusterID, "SELECT * FROM hyperfleet_reconciliation WHERE resource_type = 'clusters' AND resource_id = '\(made.clusterID)'"),
                ("nodepools", made.nodePoolID, "SELECT * FROM hyperfleet_reconciliation WHERE resource_type = 'nodepools' AND resource_id = '\(made.nodePoolID)'"),
                ("clusters", made.clusterID, "SELECT * FROM hyperfleet_reconciliation_adapters WHERE resource_type = 'clusters' AND resource_id = '\(made.clusterID)' ORDER BY adapter"),
                ("nodepools", made.nodePoolID, "SELECT * FROM hyperfleet_reconciliation_adapters WHERE resource_type = 'nodepools' AND resource_id = '\(made.nodePoolID)' ORDER BY adapter"),
                ("clusters", made.clusterID, "SELECT * FROM hyperfleet_reconcile_history_kept WHERE resource_type = 'clusters' AND resource_id = '\(made.clusterID)' ORDER BY seq DESC LIMIT 100"),
            ]
            for (_, _, sql) in queries {
                let plan = try await api.pool.query("EXPLAIN " + sql).compactMap { $0[0] }.joined(separator: "\n")
                for table in ["clusters", "nodepools", "cluster_statuses", "nodepool_statuses", "hyperfleet_reconcile_history"] {
                    #expect(!plan.contains("Seq Scan on \(table) "), "\(sql)\n\(plan)")
                }
            }
        }
    }
}
