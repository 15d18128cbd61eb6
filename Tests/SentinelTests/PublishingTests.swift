import Foundation
import HyperFleetModel
import HyperFleetStore
import HyperFleetTestSupport
import Kafka
import Prometheus
@testable import Sentinel
import SentinelCore
import Synchronization
import Testing

@Suite("Sentinel: deciding and publishing")
struct PublishingTests {
    @Test func createdThenGenerationChangedWithCloudEventHeaders() async throws {
        try await SentinelHarness.run { h in
            let engine = h.engine()
            let cluster = try await h.createCluster("alpha")
            try await h.drain(engine)
            let first = try await h.events.waitFor(1)
            #expect(first.count == 1)
            let event = try #require(first.first)
            #expect(event.keyString == cluster.id)
            #expect(event.reason == "created")
            #expect(event.header("ce_specversion") == "1.0")
            #expect(event.header("ce_type") == "com.redhat.hyperfleet.cluster.reconcile")
            #expect(event.header("ce_source") == "hyperfleet-sentinel")
            #expect(event.header("ce_subject") == cluster.id)
            #expect(event.header("content-type") == "application/json")
            #expect(event.header("ce_id")?.count == 36)
            #expect(event.header("ce_time") != nil)
            let names = event.headers.map(\.key)
            #expect(Set(names).count == names.count, "each header once")
            #expect(event.data?.at("id") == .string(cluster.id))
            #expect(event.data?.at("kind") == .string("Cluster"))
            #expect(event.data?.at("href") == .string("/api/hyperfleet/v1/clusters/\(cluster.id)"))
            #expect(event.data?.at("generation") == .int(1))
            #expect(event.data?.at("reason") == .string("created"))

            // Nothing changed: another look publishes nothing.
            try await h.drain(engine)
            #expect(try await h.events.settle() == 1)

            // A PATCH: exactly one generation_changed.
            let patch = ResourcePatch(mode: .replace, spec: .object(["region": .string("us")]))
            _ = try await h.store.patch(.cluster(id: cluster.id), patch, by: "test@example.com")
            try await h.drain(engine)
            let second = try await h.events.waitFor(2)
            #expect(second.count == 2)
            #expect(second.last?.reason == "generation_changed")
            #expect(second.last?.data?.at("generation") == .int(2))
            try await h.drain(engine)
            #expect(try await h.events.settle() == 2)

            // The record says what was published, for which generation.
            let record = try await h.pool.query(
                "SELECT published_generation, published_reason, claimed_by FROM sentinel_records WHERE resource_id = $1", [cluster.id])
            #expect(try record.first?.int("published_generation") == 2)
            #expect(record.first?["published_reason"] == "generation_changed")
            #expect(record.first?["claimed_by"] == nil)
        }
    }

    @Test func deletionPublishesDeletedOnceThenBacksOff() async throws {
        try await SentinelHarness.run { h in
            let engine = h.engine()
            let cluster = try await h.createCluster("going")
            try await h.drain(engine)
            try await h.events.waitFor(1)
            _ = try await h.store.delete(.cluster(id: cluster.id), by: "ops@example.com", force: false)
            try await h.drain(engine)
            let events = try await h.events.waitFor(2)
            #expect(events.last?.reason == "deleted")
            #expect(events.last?.data?.at("deleted") == .bool(true))
            #expect(events.last?.data?.at("generation") == .int(2))
            try await h.drain(engine)
            #expect(try await h.events.settle() == 2, "deleted is published once")
            h.clock.advance(by: .seconds(30))
            try await h.drain(engine)
            let later = try await h.events.waitFor(3)
            #expect(later.last?.reason == "not_ready_backoff")
        }
    }

    /// A look's acknowledged events are counted per reason, each once, and each one's lag is recorded
    /// (the engine asks the factory once per look: `SentinelMetrics.published`).
    @Test func publishedEventsAreCountedPerReasonWithEachLag() async throws {
        try await SentinelHarness.run { h in
            let registry = PrometheusCollectorRegistry()
            let engine = h.engine(metricsFactory: PrometheusMetricsFactory(registry: registry))
            let first = try await h.createCluster("counted-0")
            try await h.drain(engine)
            try await h.events.waitFor(1)
            // One look with two reasons: two creations and a deletion.
            for index in 1...2 { try await h.createCluster("counted-\(index)") }
            _ = try await h.store.delete(.cluster(id: first.id), by: "ops@example.com", force: false)
            try await h.drain(engine)
            let events = try await h.events.waitFor(4)
            #expect(events.compactMap(\.reason).sorted() == ["created", "created", "created", "deleted"])
            let text = registry.emitToString()
            let published = "hyperfleet_sentinel_events_published_total"
            #expect(TestMetrics.value(#"\#(published){resource_type="clusters",reason="created"}"#, in: text) == 3, "\(text)")
            #expect(TestMetrics.value(#"\#(published){resource_type="clusters",reason="deleted"}"#, in: text) == 1, "\(text)")
            #expect(TestMetrics.value(#"hyperfleet_sentinel_publish_lag_seconds_count{resource_type="clusters"}"#, in: text) == 4, "\(text)")
        }
    }

    @Test func nodePoolEventsCarryOwnerReferences() async throws {
        try await SentinelHarness.run { h in
            let engine = h.engine()
            let cluster = try await h.createCluster("parent")
            let pool = try await h.store.createNodePool(clusterID: cluster.id, ResourceCreate(name: "workers", spec: [:]), by: "t@example.com")
            try await h.drain(engine, .nodepools)
            let events = try await h.events.waitFor(1, on: "hyperfleet-nodepools")
            let event = try #require(events.first)
            #expect(event.header("ce_type") == "com.redhat.hyperfleet.nodepool.reconcile")
            #expect(event.keyString == pool.id)
            #expect(event.data?.at("kind") == .string("NodePool"))
            #expect(event.data?.at("owner_references")?.at("id") == .string(cluster.id))
            #expect(event.data?.at("href") == .string("/api/hyperfleet/v1/clusters/\(cluster.id)/nodepools/\(pool.id)"))
        }
    }

    /// A NotReady resource whose adapters stay silent: events spaced by the growing backoff, not one
    /// per poll. 10 simulated minutes with a look every second: 600 looks.
    @Test func notReadyBacksOffInsteadOfFlooding() async throws {
        try await SentinelHarness.run { h in
            let engine = h.engine()
            let cluster = try await h.createCluster("silent")
            var looks = 0
            for _ in 0..<600 {
                try await h.drain(engine)
                h.clock.advance(by: .seconds(1))
                looks += 1
            }
            let events = try await h.events.waitFor(10)
            let reasons = events.compactMap(\.reason)
            #expect(reasons.first == "created")
            #expect(reasons.dropFirst().allSatisfy { $0 == "not_ready_backoff" })
            // Backoff 10, 20, 40, 80, 80 ... (±10 %): about 0, 10, 30, 70, 150, 230, ... -> 8 to 9 in 600 s.
            #expect((7...10).contains(events.count), "\(events.count) events in \(looks) looks")
            #expect(events.allSatisfy { $0.keyString == cluster.id })
        }
    }

    /// Ready with one adapter gone silent: one ready_stale per max_age_ready (600 s here).
    @Test func readyStaleOncePerMaxAge() async throws {
        try await SentinelHarness.run { h in
            let engine = h.engine()
            let cluster = try await h.createCluster("ready")
            try await h.report(cluster.id, adapter: "validation", generation: 1)
            try await h.report(cluster.id, adapter: "dns", generation: 1)
            #expect(try await h.store.cluster(id: cluster.id).status.phase == .ready)
            try await h.drain(engine)
            let initial = try await h.events.waitFor(1)
            // Adapters reported before the first look, so it is not `created` but generation 1 unpublished.
            #expect(initial.map(\.reason) == ["generation_changed"])
            let before = try await h.events.settle()
            // 40 simulated minutes, a look every 10 s, adapters silent.
            for _ in 0..<240 {
                h.clock.advance(by: .seconds(10))
                try await h.drain(engine)
            }
            let events = try await h.events.waitFor(before + 3)
            let stale = events.filter { $0.reason == "ready_stale" }
            // Status last updated at t≈0: stale events at ≈600 s, 1200 s, 1800 s, 2400 s -> 3 or 4.
            #expect((3...4).contains(stale.count), "\(stale.count) ready_stale events in 2400 s")
            #expect(events.count - before == stale.count)
        }
    }
}

@Suite("Sentinel: draining in overlapping looks")
struct DrainTests {
    /// The next look plans while the previous one publishes: every resource still gets exactly one
    /// event, and nothing is left claimed.
    @Test func everyChangedResourceIsPublishedOnceAcrossOverlappingLooks() async throws {
        try await SentinelHarness.run(configure: { $0.batchSize = 7 }) { h in
            var ids: Set<String> = []
            for index in 0..<40 { ids.insert(try await h.createCluster("drain-\(index)").id) }
            let result = try await h.engine().drain(.clusters)
            #expect(result.published == 40)
            #expect(result.failed == 0)
            #expect(result.looks >= 6, "40 changes in batches of 7")
            #expect(!result.moreWaiting)
            let events = try await h.events.waitFor(40)
            #expect(events.count == 40)
            #expect(Set(events.compactMap(\.keyString)) == ids)
            #expect(events.allSatisfy { $0.reason == "created" })
            #expect(try await h.events.settle() == 40, "no resource published twice")
            let left = try await h.pool.query(
                "SELECT count(*) FILTER (WHERE claimed_by IS NOT NULL) AS claimed, count(*) FILTER (WHERE published_reason = 'created') AS created FROM sentinel_records")
            #expect(try left.first?.int("claimed") == 0)
            #expect(try left.first?.int("created") == 40)
            #expect(try await h.pool.query("SELECT count(*) AS n FROM sentinel_changes").first?.int("n") == 0)
        }
    }

    /// Told to stop, it plans nothing more but still finishes the look it planned: its events are
    /// published and recorded, no claim is left to expire; the rest waits for the next drain.
    @Test func aStopFinishesThePlannedLookAndLeavesNoClaim() async throws {
        try await SentinelHarness.run(configure: { $0.batchSize = 5 }) { h in
            for index in 0..<20 { try await h.createCluster("stop-\(index)") }
            let answers = Mutex(0)
            let engine = h.engine()
            // True once: the first look plans the second while it publishes, then no third is planned.
            let stopped = try await engine.drain(.clusters, while: { answers.withLock { $0 += 1; return $0 == 1 } })
            #expect(stopped.looks == 2)
            #expect(stopped.published == 10)
            #expect(stopped.moreWaiting)
            try await h.events.waitFor(10)
            #expect(try await h.pool.query("SELECT count(*) AS n FROM sentinel_records WHERE claimed_by IS NOT NULL").first?.int("n") == 0)
            let rest = try await engine.drain(.clusters)
            #expect(rest.published == 10)
            #expect(try await h.events.waitFor(20).count == 20)
            #expect(try await h.events.settle() == 20)
        }
    }
}
