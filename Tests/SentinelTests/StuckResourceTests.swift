import Foundation
import HyperFleetJSON
import HyperFleetModel
import HyperFleetOps
import HyperFleetStore
import HyperFleetTestSupport
import Kafka
import Logging
import Postgres
@testable import Sentinel
import SentinelCore
import Testing

/// Stuck resources (OPERATIONS.md): not Ready past `stuck_after`, or deleting past `stuck_delete_after`,
/// paused ones left out; gauges, one log line and one alert event per episode, one indexed query.
@Suite("Sentinel: stuck resources")
struct StuckResourceTests {
    static let stuckLine = "resources are stuck: not Ready for longer than stuck_after, or deleting for longer than stuck_delete_after"
    static let recoveredLine = "stuck resources recovered: none stuck any more"

    /// stuck_after 600 s and stuck_delete_after 300 s in simulated time.
    static func run(alertEvents: Bool = true, _ body: @Sendable (SentinelHarness) async throws -> Void) async throws {
        try await SentinelHarness.run(configure: { settings in
            settings.stuckAfter = .seconds(600)
            settings.stuckDeleteAfter = .seconds(300)
            settings.stuckAlertEvents = alertEvents
        }, body)
    }

    @Test func notReadyPastStuckAfterIsOneEpisodeAndLeavesWhenReady() async throws {
        try await Self.run { h in
            let recorder = LogRecorder()
            let telemetry = Telemetry.prometheus(logger: quietLogger)
            let monitor = StuckResourceMonitor(engine: h.engine(logger: recorder.logger, metrics: telemetry))
            let gauge = { (phase: String, deleting: Bool) in
                TestMetrics.value(
                    #"hyperfleet_sentinel_stuck_resources{resource_type="clusters",phase="\#(phase)",deleting="\#(deleting)"}"#,
                    in: telemetry.renderMetrics())
            }
            let oldest = { TestMetrics.value(#"hyperfleet_sentinel_stuck_oldest_seconds{resource_type="clusters"}"#, in: telemetry.renderMetrics()) }
            var ids: [String] = []
            for index in 0..<3 { ids.append(try await h.createCluster("stuck-\(index)").id) }

            // Young NotReady clusters are not stuck.
            let young = try await monitor.check(.clusters)
            #expect(young.stuck.count == 0 && !young.opened && !young.closed)
            #expect(gauge("NotReady", false) == 0)
            #expect(recorder.lines(Self.stuckLine).isEmpty)

            h.clock.advance(by: .seconds(700))
            let first = try await monitor.check(.clusters)
            #expect(first.stuck.count == 3)
            #expect(first.stuck.deleting == 0)
            #expect(Set(first.stuck.sampleIDs) == Set(ids))
            #expect(first.opened)
            #expect(gauge("NotReady", false) == 3)
            #expect(gauge("Failed", false) == 0)
            #expect(gauge("NotReady", true) == 0)
            #expect((oldest() ?? 0) >= 700)
            let lines = recorder.lines(Self.stuckLine)
            #expect(lines.count == 1)
            #expect(lines.first?.level == .error)
            #expect(lines.first?.metadata["resource_type"] == "clusters")
            #expect(lines.first?.metadata["resources"] == "3")
            #expect(Set(lines.first?.metadata["sample_ids"]?.split(separator: ",").map(String.init) ?? []) == Set(ids))

            // The same episode is not announced again, by this replica or another.
            #expect(try await monitor.check(.clusters).opened == false)
            #expect(try await StuckResourceMonitor(engine: h.engine(replica: "other", logger: recorder.logger)).check(.clusters).opened == false)
            #expect(recorder.lines(Self.stuckLine).count == 1)

            // One becomes Ready: it leaves the gauge; the episode goes on.
            for adapter in ["validation", "dns"] { try await h.report(ids[0], adapter: adapter, generation: 1) }
            let two = try await monitor.check(.clusters)
            #expect(two.stuck.count == 2 && !two.opened && !two.closed)
            #expect(!two.stuck.sampleIDs.contains(ids[0]))
            #expect(gauge("NotReady", false) == 2)

            // All Ready: the episode closes once, the gauges are back to 0.
            for id in ids.dropFirst() {
                for adapter in ["validation", "dns"] { try await h.report(id, adapter: adapter, generation: 1) }
            }
            let none = try await monitor.check(.clusters)
            #expect(none.stuck.count == 0 && none.closed)
            #expect(gauge("NotReady", false) == 0)
            #expect(oldest() == 0)
            #expect(recorder.lines(Self.recoveredLine).count == 1)
            #expect(try await monitor.check(.clusters).closed == false)
            #expect(recorder.lines(Self.recoveredLine).count == 1)

            // One alert event per change of the episode.
            let alerts = try await h.events.waitFor(2, on: "hyperfleet-alerts")
            #expect(alerts.map { $0.header("ce_type") } == ["com.redhat.hyperfleet.resource.stuck", "com.redhat.hyperfleet.resource.unstuck"])
            #expect(alerts.first?.data?.at("resource_type") == .string("clusters"))
            #expect(alerts.first?.data?.at("resources") == .int(3))
            #expect(try await h.events.settle("hyperfleet-alerts") == 2)
        }
    }

    /// A change of generation (a user's PATCH) restarts the count: stuck_after is counted from the
    /// later of the last phase transition and the last user write. Nodepools are checked like clusters.
    @Test func aGenerationChangeRestartsTheCountOfANodePool() async throws {
        try await Self.run { h in
            let monitor = StuckResourceMonitor(engine: h.engine(metrics: Telemetry.prometheus(logger: quietLogger)))
            let cluster = try await h.createCluster("parent")
            let nodePool = try await h.store.createNodePool(
                clusterID: cluster.id, ResourceCreate(name: "pool", spec: ["size": .int(3)], labels: [:]), by: "test@example.com",
                now: h.clock.now())
            h.clock.advance(by: .seconds(700))
            let stuck = try await monitor.check(.nodepools)
            #expect(stuck.stuck.sampleIDs == [nodePool.id])
            #expect(stuck.opened)

            // A PATCH now (a new generation, still NotReady): no longer stuck until stuck_after has passed again.
            let target = ResourceTarget.nodePool(clusterID: cluster.id, id: nodePool.id)
            _ = try await h.store.patch(
                target, ResourcePatch(mode: .merge, spec: .object(["size": .int(5)])), by: "test@example.com", now: h.clock.now())
            let patched = try await monitor.check(.nodepools)
            #expect(patched.stuck.count == 0)
            #expect(patched.closed)
            h.clock.advance(by: .seconds(500))
            #expect(try await monitor.check(.nodepools).stuck.count == 0)
            h.clock.advance(by: .seconds(200))
            let again = try await monitor.check(.nodepools)
            #expect(again.stuck.sampleIDs == [nodePool.id])
            #expect(again.opened, "a new episode")
        }
    }

    @Test func deletingPastStuckDeleteAfterIsCountedAsDeleting() async throws {
        try await Self.run(alertEvents: false) { h in
            let telemetry = Telemetry.prometheus(logger: quietLogger)
            let monitor = StuckResourceMonitor(engine: h.engine(metrics: telemetry))
            let deleting = try await h.createCluster("going")
            _ = try await h.store.delete(.cluster(id: deleting.id), by: "test@example.com", force: false)
            try await h.createCluster("young")
            let early = try await monitor.check(.clusters)
            #expect(early.stuck.count == 0)

            // Past stuck_delete_after (300 s), not yet past stuck_after (600 s).
            h.clock.advance(by: .seconds(400))
            let result = try await monitor.check(.clusters)
            #expect(result.stuck.count == 1)
            #expect(result.stuck.deleting == 1)
            #expect(result.stuck.sampleIDs == [deleting.id])
            let metrics = telemetry.renderMetrics()
            #expect(TestMetrics.value(
                #"hyperfleet_sentinel_stuck_resources{resource_type="clusters",phase="NotReady",deleting="true"}"#, in: metrics) == 1)
            #expect(TestMetrics.value(
                #"hyperfleet_sentinel_stuck_resources{resource_type="clusters",phase="NotReady",deleting="false"}"#, in: metrics) == 0)
            #expect((TestMetrics.value(#"hyperfleet_sentinel_stuck_oldest_seconds{resource_type="clusters"}"#, in: metrics) ?? 0) >= 400)
            // stuck_alert_events off: the episode is logged, no alert event goes out.
            #expect(result.opened)
            #expect(try await h.events.settle("hyperfleet-alerts", for: .seconds(1)) == 0)
        }
    }

    @Test func pausedResourcesAreLeftOutOfStuckAndStaleCounts() async throws {
        try await Self.run { h in
            let engine = h.engine()
            let stuck = StuckResourceMonitor(engine: engine)
            let stale = StaleAdapterMonitor(engine: engine)
            let paused = try await h.createCluster("paused")
            let running = try await h.createCluster("running")
            let pausedDeleting = try await h.createCluster("paused-deleting")
            _ = try await h.store.delete(.cluster(id: pausedDeleting.id), by: "test@example.com", force: false)
            // As the API pauses: one controls row per resource, paused.
            for id in [paused.id, pausedDeleting.id] { try await h.setPaused(.clusters, id, true) }

            // Past stuck_after (600 s), stuck_delete_after and stale_adapter_after (1200 s): no adapter ever reported.
            h.clock.advance(by: .seconds(1300))
            let stuckWhilePaused = try await stuck.check(.clusters)
            #expect(stuckWhilePaused.stuck.count == 1)
            #expect(stuckWhilePaused.stuck.sampleIDs == [running.id])
            let staleWhilePaused = try await stale.check(.clusters)
            #expect(staleWhilePaused.stale.map(\.count) == [1, 1])
            #expect(staleWhilePaused.stale.allSatisfy { $0.sampleIDs == [running.id] })

            // Resumed: counted again.
            for id in [paused.id, pausedDeleting.id] { try await h.setPaused(.clusters, id, false) }
            let stuckAfterResume = try await stuck.check(.clusters)
            #expect(stuckAfterResume.stuck.count == 3)
            #expect(stuckAfterResume.stuck.deleting == 1)
            #expect(try await stale.check(.clusters).stale.map(\.count) == [3, 3])
        }
    }

    /// The stuck query and the stale-adapter queries (with their paused anti-join) read indexes only,
    /// on enough rows that a scan would otherwise be chosen.
    @Test func stuckAndStaleQueriesUseIndexes() async throws {
        try await Self.run { h in
            _ = try await h.pool.query(
                """
                INSERT INTO clusters (id, name, spec, generation, created_time, updated_time, created_by, updated_by,
                    status_phase, status_last_transition_time, status_last_updated_time, deleted_time)
                SELECT lpad(to_hex(g), 32, '0'), 'scale-' || g, '{}', 1, now(), now() - interval '2 hours', 'b@x.io', 'b@x.io',
                    CASE WHEN g % 500 = 0 THEN 'NotReady' ELSE 'Ready' END, now() - interval '2 hours', now(),
                    CASE WHEN g % 1000 = 1 THEN now() - interval '2 hours' END
                FROM generate_series(1, 50000) g
                """)
            _ = try await h.pool.query(
                """
                INSERT INTO nodepools (id, cluster_id, name, spec, generation, created_time, updated_time, created_by, updated_by,
                    status_phase, status_last_transition_time, status_last_updated_time)
                SELECT lpad('n' || to_hex(g), 32, '0'), lpad(to_hex(1 + g % 50000), 32, '0'), 'np-' || g, '{}', 1, now(),
                    now() - interval '2 hours',
                    'b@x.io', 'b@x.io', CASE WHEN g % 500 = 0 THEN 'Failed' ELSE 'Ready' END, now() - interval '2 hours', now()
                FROM generate_series(1, 50000) g
                """)
            // Every resource has a controls row (as after a request each), a few are paused.
            _ = try await h.pool.query(
                """
                INSERT INTO hyperfleet_reconcile_controls (resource_type, resource_id, paused, paused_at)
                SELECT 'clusters', id, right(id, 2) = '00', now() FROM clusters
                UNION ALL SELECT 'nodepools', id, right(id, 2) = '00', now() FROM nodepools
                """)
            _ = try await h.pool.query(
                """
                UPDATE sentinel_adapter_liveness SET last_report_time = now() - interval '1 minute'
                    - CASE WHEN right(resource_id, 3) = '000' THEN interval '2 hours' ELSE interval '0' END
                """)
            _ = try await h.pool.query("DELETE FROM sentinel_changes")
            _ = try await h.pool.query("ANALYZE")
            let threshold = (Timestamp.now() - .seconds(1800)).rfc3339
            var statements: [(String, [String?])] = [
                ("SELECT count(*) \(SentinelStore.staleRows)", ["clusters", "dns", threshold]),
                ("SELECT l.resource_id \(SentinelStore.staleRows) ORDER BY l.last_report_time LIMIT 10", ["clusters", "dns", threshold]),
            ]
            for type in WatchedType.allCases {
                statements.append((SentinelStore.stuckQuery(type, sampleSize: 10), [threshold, threshold]))
            }
            for (sql, parameters) in statements {
                let plan = try await h.pool.query("EXPLAIN " + sql, parameters).compactMap { $0["QUERY PLAN"] }.joined(separator: "\n")
                for table in ["clusters", "nodepools", "sentinel_adapter_liveness", "hyperfleet_reconcile_controls"] {
                    #expect(!plan.contains("Seq Scan on \(table)"), "\(sql)\n\(plan)")
                }
            }
            // The statements as the monitors send them still answer (and leave paused resources out).
            let summary = try await SentinelStore(pool: h.pool).stuckResources(
                .clusters, notReadySince: .now() - .seconds(1800), deletingSince: .now() - .seconds(1800), sampleSize: 10)
            let paused = try await h.pool.query(
                """
                SELECT count(*) AS n FROM clusters r JOIN hyperfleet_reconcile_controls c ON c.resource_type = 'clusters' AND c.resource_id = r.id
                WHERE c.paused AND (r.status_phase <> 'Ready' OR r.deleted_time IS NOT NULL)
                """).first?.int("n") ?? 0
            #expect(summary.count == 100 + 50 - Int(paused))
        }
    }
}

extension SentinelHarness {
    /// An engine whose metrics go to `metrics` (its own registry), so that gauges of one test are its own.
    func engine(replica: String = "replica-\(UUID().uuidString.prefix(6))", logger: Logger = quietLogger, metrics: Telemetry) -> SentinelEngine {
        SentinelEngine(
            pool: pool, producer: producer, settings: settings, clock: clock, logger: logger, metricsFactory: metrics.metricsFactory,
            replicaID: replica)
    }

    /// Pauses or resumes a resource the way the API does: an upsert of its controls row (the trigger
    /// of migration 7 writes the history entry and the change row).
    func setPaused(_ type: WatchedType, _ id: String, _ paused: Bool) async throws {
        _ = try await pool.query(
            paused
                ? """
                INSERT INTO hyperfleet_reconcile_controls (resource_type, resource_id, paused, paused_at, paused_by, pause_reason)
                VALUES ($1, $2, true, now(), 'test@example.com', 'incident')
                ON CONFLICT (resource_type, resource_id) DO UPDATE
                SET paused = true, paused_at = now(), paused_by = 'test@example.com', pause_reason = 'incident'
                """
                : """
                UPDATE hyperfleet_reconcile_controls SET paused = false, resumed_at = now(), resumed_by = 'test@example.com'
                WHERE resource_type = $1 AND resource_id = $2
                """,
            [type.rawValue, id])
    }
}
