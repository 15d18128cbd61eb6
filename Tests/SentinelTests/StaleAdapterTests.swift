import Foundation
import HyperFleetModel
import HyperFleetTestSupport
import Kafka
@testable import Sentinel
import SentinelCore
import ServiceLifecycle
import Testing

@Suite("Sentinel: stale adapters and shutdown")
struct StaleAdapterTests {
    /// A required adapter that never reports: one episode (metric, alert event), then recovery.
    @Test func silentAdapterOpensOneEpisodeAndRecovers() async throws {
        _ = TestMetrics.registry  // metrics recorded before the backend is bootstrapped would be lost
        // Gauges are process-wide: an adapter name no other test uses keeps their labels to this test.
        try await SentinelHarness.run(clusterAdapters: ["live-probe", "dns-probe"]) { h in
            let engine = h.engine()
            let monitor = StaleAdapterMonitor(engine: engine)
            var clusters: [Cluster] = []
            for index in 0..<3 {
                let cluster = try await h.createCluster("stale-\(index)")
                try await h.report(cluster.id, adapter: "live-probe", generation: 1)
                clusters.append(cluster)
            }
            let fresh = try await monitor.check(.clusters)
            #expect(fresh.stale.isEmpty)
            // dns-probe never reported; live-probe reports keep coming. After stale_adapter_after (1200 s):
            h.clock.advance(by: .seconds(1300))
            for cluster in clusters { try await h.report(cluster.id, adapter: "live-probe", generation: 1) }
            // live-probe's reports carry the real clock; move them into the simulated present.
            _ = try await h.pool.query(
                "UPDATE sentinel_adapter_liveness SET last_report_time = $1::timestamptz WHERE adapter = 'live-probe'",
                [h.clock.now().rfc3339])
            let first = try await monitor.check(.clusters)
            #expect(first.stale.map(\.adapter) == ["dns-probe"])
            #expect(first.stale.first?.count == 3)
            #expect(Set(first.stale.first?.sampleIDs ?? []) == Set(clusters.map(\.id)))
            #expect(first.opened.map(\.adapter) == ["dns-probe"])
            #expect(TestMetrics.value(#"hyperfleet_sentinel_stale_adapters{resource_type="clusters",adapter="dns-probe"}"#) == 3)
            #expect(TestMetrics.value(#"hyperfleet_sentinel_stale_adapters{resource_type="clusters",adapter="live-probe"}"#) == 0)
            #expect((TestMetrics.value(#"hyperfleet_sentinel_adapter_report_age_seconds{resource_type="clusters",adapter="dns-probe"}"#) ?? 0) >= 1300)
            // The same episode is not announced again, by this replica or another.
            #expect(try await monitor.check(.clusters).opened.isEmpty)
            #expect(try await StaleAdapterMonitor(engine: h.engine(replica: "other")).check(.clusters).opened.isEmpty)
            let alerts = try await h.events.waitFor(1, on: "hyperfleet-alerts")
            #expect(alerts.count == 1)
            #expect(alerts.first?.header("ce_type") == "com.redhat.hyperfleet.adapter.stale")
            #expect(alerts.first?.data?.at("adapter") == .string("dns-probe"))
            #expect(alerts.first?.data?.at("resources") == .int(3))

            // dns-probe comes back.
            for cluster in clusters { try await h.report(cluster.id, adapter: "dns-probe", generation: 1) }
            _ = try await h.pool.query(
                "UPDATE sentinel_adapter_liveness SET last_report_time = $1::timestamptz", [h.clock.now().rfc3339])
            let recovered = try await monitor.check(.clusters)
            #expect(recovered.stale.isEmpty)
            #expect(recovered.closed.map(\.adapter) == ["dns-probe"])
            let both = try await h.events.waitFor(2, on: "hyperfleet-alerts")
            #expect(both.last?.header("ce_type") == "com.redhat.hyperfleet.adapter.recovered")
            #expect(TestMetrics.value(#"hyperfleet_sentinel_stale_adapters{resource_type="clusters",adapter="dns-probe"}"#) == 0)
        }
    }

    /// SIGTERM-style graceful shutdown during a burst: every acknowledged event is recorded, and
    /// nothing is recorded that was not acknowledged (no claims left behind either).
    @Test func gracefulShutdownRecordsEverythingAcknowledged() async throws {
        // One event per resource is what this test counts on, so no second decision may fall due while
        // it runs: with the harness's 10 s NotReady backoff, a run slowed past 10 s by a loaded machine
        // legitimately published a not_ready_backoff event for an early cluster (301 events, 300 records).
        try await SentinelHarness.run(configure: { settings in
            settings.decisions.notReadyBackoffBase = .seconds(3600)
            settings.decisions.notReadyBackoffMax = .seconds(3600)
        }) { h in
            let engine = h.engine(clock: SystemSentinelClock())
            let service = SentinelService(
                engine: engine, listenConfiguration: .init(connectionString: h.databaseURL, poolSize: 1),
                pollInterval: .milliseconds(200), staleCheckInterval: .seconds(60), shutdownTimeout: .seconds(5))
            let group = ServiceGroup(configuration: .init(services: [service], logger: quietLogger))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                for index in 0..<300 { try await h.createCluster("burst-\(index)") }
                try await Task.sleep(for: .milliseconds(300))
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
            let reader = try h.freshEvents()
            let recorded = try await h.pool.query(
                "SELECT resource_id FROM sentinel_records WHERE published_at IS NOT NULL").map { try $0.text("resource_id") }
            let events = try await reader.waitFor(recorded.count, within: .seconds(15))
            let published = try await reader.settle()
            await reader.stop()
            #expect(!recorded.isEmpty)
            #expect(Set(events.compactMap(\.keyString)) == Set(recorded), "acknowledged == recorded")
            #expect(published == recorded.count)
            let claims = try await h.pool.query("SELECT count(*) AS n FROM sentinel_records WHERE claimed_by IS NOT NULL")
            #expect(try claims.first?.int("n") == 0)
        }
    }
    /// Cancelled (how a service group escalates a graceful shutdown that took too long, or ends after a
    /// service finished unexpectedly), the Sentinel stops like on a graceful shutdown. Before, its loop
    /// went on polling and held its group, and the end-to-end test's process, for ever.
    @Test func cancellingTheServiceStopsIt() async throws {
        try await SentinelHarness.run { h in
            let service = SentinelService(
                engine: h.engine(clock: SystemSentinelClock()), listenConfiguration: .init(connectionString: h.databaseURL, poolSize: 1),
                pollInterval: .milliseconds(200), staleCheckInterval: .seconds(60), shutdownTimeout: .seconds(5))
            let running = Task { try await service.run() }
            _ = try await h.createCluster("cancelled")
            try await Task.sleep(for: .milliseconds(500))
            running.cancel()
            // Awaited through a stream, so a Sentinel that does not stop fails the test instead of hanging it.
            let (ends, ended) = AsyncStream<Bool>.makeStream()
            Task { _ = await running.result; ended.yield(true) }
            Task { try? await Task.sleep(for: .seconds(20)); ended.yield(false) }
            var stopped = false
            for await value in ends { stopped = value; break }
            #expect(stopped, "the cancelled Sentinel did not stop within 20 s")
        }
    }
}
