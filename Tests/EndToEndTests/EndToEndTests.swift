import Foundation
import HyperFleetJSON
import HyperFleetModel
import HyperFleetTestSupport
import Testing

/// The whole loop (API -> PostgreSQL -> Sentinel -> Kafka -> adapters -> API), in-process, on the
/// real clock with shortened durations. Serialized: each test runs a full stack on a 2-core machine.
@Suite(.serialized)
struct EndToEndTests {
    @Test func createdClusterAndNodePoolsBecomeReady() async throws {
        try await E2EHarness.run { h in
            let cluster = try await h.createCluster("e2e-ready")
            let pools = [try await h.createNodePool(cluster, "e2e-np-a"), try await h.createNodePool(cluster, "e2e-np-b")]
            try await h.waitForPhase(Paths.cluster(cluster), "Ready", generation: 1)
            for pool in pools { try await h.waitForPhase(Paths.nodePool(clusterID: cluster, id: pool), "Ready", generation: 1) }
            // The loop went through the Sentinel: a `created` event for each resource.
            let created = h.events.all.filter { $0.reason == "created" }
            #expect(created.contains { $0.key == cluster && $0.message.topic == "hyperfleet-clusters" })
            for pool in pools { #expect(created.contains { $0.key == pool && $0.message.topic == "hyperfleet-nodepools" }) }
            // Every required adapter reported Available at generation 1.
            for status in try await h.statuses(Paths.cluster(cluster)) {
                #expect(status.at("observed_generation")?.exactIntegerValue == 1)
                #expect(status.conditionStatus("Available") == "True")
            }
            let poolStatuses = try await h.statuses(Paths.nodePool(clusterID: cluster, id: pools[0]))
            #expect(Set(poolStatuses.compactMap { $0.at("adapter")?.stringValue }) == Set(E2EHarness.nodePoolAdapters))
        }
    }

    /// A graceful shutdown past its time: the group cancels what still runs, and every role stops.
    /// (The Sentinel used to ignore the cancellation and kept the group running for ever.)
    @Test func aShutdownPastItsTimeStillStopsEveryRole() async throws {
        let started = ContinuousClock.now
        try await E2EHarness.run(shutdownTimeout: .milliseconds(1)) { h in
            let cluster = try await h.createCluster("e2e-cut-short")
            try await h.waitForPhase(Paths.cluster(cluster), "Ready", generation: 1)
        }
        #expect(ContinuousClock.now - started < .seconds(180))
    }

    @Test func patchedClusterBecomesReadyAtGenerationTwo() async throws {
        try await E2EHarness.run { h in
            let cluster = try await h.createCluster("e2e-patch")
            let path = Paths.cluster(cluster)
            try await h.waitForPhase(path, "Ready", generation: 1)
            let patched = try await h.mergePatch(path, #"{"spec":{"region":"us-east-1"}}"#)
            #expect(try patched.int("generation") == 2)
            let ready = try await h.waitForPhase(path, "Ready", generation: 2)
            #expect(try ready.string("spec.region") == "us-east-1")
            let statuses = try await h.statuses(path)
            #expect(Set(statuses.compactMap { $0.at("adapter")?.stringValue }) == Set(E2EHarness.clusterAdapters))
            for status in statuses {
                let adapter = status.at("adapter")?.stringValue ?? "?"
                #expect(status.at("observed_generation")?.exactIntegerValue == 2, "\(adapter): \(status.serialized())")
                #expect(status.conditionStatus("Available") == "True", "\(adapter): \(status.serialized())")
            }
            // The PATCH reached the adapters as one generation_changed event for generation 2.
            let changed = try await h.events.waitFor(1) { $0.key == cluster && $0.reason == "generation_changed" }
            #expect(changed.count >= 1)
        }
    }

    @Test func failedAdapterBacksOffThenRecoversAfterFix() async throws {
        try await E2EHarness.run { h in
            let cluster = try await h.createCluster("e2e-failed", spec: #"{"region":"eu","simulate":{"hypershift":"fail"}}"#)
            let path = Paths.cluster(cluster)
            try await h.waitForPhase(path, "Failed")
            // Watch the Sentinel's events for this cluster for ~6 s while it stays Failed.
            let windowStart = ContinuousClock.now
            while ContinuousClock.now - windowStart < .seconds(6) {
                #expect(try await h.request(.get, path).string("status.phase") == "Failed")
                try await Task.sleep(for: .milliseconds(500))
            }
            let retries = h.events.on("hyperfleet-clusters").filter { $0.key == cluster && $0.reason == "failed_backoff" }
            let times = retries.compactMap(\.time).sorted()
            #expect(times.count == retries.count, "every event has a ce_time")
            // Retries happen, but backed off: with a 200 ms poll an unthrottled Sentinel would send ~30.
            #expect(retries.count >= 2, "failed_backoff events: \(retries.count)")
            #expect(retries.count <= 8, "failed_backoff events: \(retries.count)")
            let base = h.dev.sentinelTimings.failedBackoff.base
            let minimumGap = Double(base.components.seconds) + Double(base.components.attoseconds) / 1e18 * 0.9  // jitter >= 0.9
            for (earlier, later) in zip(times, times.dropFirst()) {
                let gap = later.timeIntervalSince(earlier)
                #expect(gap >= minimumGap, "failed_backoff events \(gap) s apart (< \(minimumGap) s): \(times)")
            }
            // The fix: removing the simulate value bumps the generation; a new job succeeds.
            let patched = try await h.mergePatch(path, #"{"spec":{"simulate":null}}"#)
            #expect(try patched.int("generation") == 2)
            try await h.waitForPhase(path, "Ready", generation: 2)
        }
    }

    @Test func silentAdapterRaisesOneStaleAlert() async throws {
        try await E2EHarness.run { h in
            let cluster = try await h.createCluster("e2e-silent-dns", spec: #"{"region":"eu","simulate":{"dns":"silent"}}"#)
            let path = Paths.cluster(cluster)
            let sample = #"hyperfleet_sentinel_stale_adapters{resource_type="clusters",adapter="dns"}"#
            // Polled through the stack's own /metrics endpoint (its registry serves every role).
            let end = ContinuousClock.now + .seconds(20)
            var gauge: Double?
            while ContinuousClock.now < end {
                gauge = TestMetrics.value(sample, in: try await h.metricsText())
                if let gauge, gauge >= 1 { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect((gauge ?? 0) >= 1, "\(sample) = \(String(describing: gauge))")
            let isStaleAlert: @Sendable (ReceivedEvent) -> Bool = {
                $0.message.topic == "hyperfleet-alerts" && $0.type == "com.redhat.hyperfleet.adapter.stale"
            }
            let alerts = try await h.events.waitFor(1, within: .seconds(10), isStaleAlert)
            try #require(alerts.count >= 1, "no stale alert on hyperfleet-alerts")
            #expect(alerts[0].subject == "clusters/dns")
            let data = try JSONValue.parse(alerts[0].message.value)
            #expect(data.at("adapter")?.stringValue == "dns")
            let samples = (data.at("sample_ids")?.arrayValue ?? []).compactMap { $0.stringValue }
            #expect(samples.contains(cluster), "\(data.serialized())")
            // Several more stale checks (every 500 ms) while dns stays silent: still one alert for the episode.
            try await Task.sleep(for: .seconds(2))
            #expect(h.events.all.filter(isStaleAlert).count == 1)
            #expect(try await h.request(.get, path).string("status.phase") != "Ready")
            let dns = try await h.statuses(path).first { $0.at("adapter")?.stringValue == "dns" }
            #expect(dns == nil, "a silent adapter reports nothing")
        }
    }

    @Test func deletionFinalizesOrStaysUntilForced() async throws {
        try await E2EHarness.run { h in
            // A cluster with a nodepool: both removed once every adapter finalized.
            let cluster = try await h.createCluster("e2e-delete")
            let pool = try await h.createNodePool(cluster, "e2e-delete-np")
            let clusterPath = Paths.cluster(cluster)
            let poolPath = Paths.nodePool(clusterID: cluster, id: pool)
            try await h.waitForPhase(clusterPath, "Ready", generation: 1)
            try await h.waitForPhase(poolPath, "Ready", generation: 1)
            let deleted = try await h.request(.delete, clusterPath)
            #expect(deleted.status == 202, "\(deleted.status) \(deleted.body)")
            #expect(try deleted.string("deleted_time") != nil)
            try await h.waitFor(poolPath, "nodepool removed") { $0.status == 404 }
            try await h.waitFor(clusterPath, "cluster removed") { $0.status == 404 }

            // A required adapter silent: the others finalize, the cluster stays readable (deleted_time set).
            let stuck = try await h.createCluster("e2e-delete-stuck", spec: #"{"region":"eu","simulate":{"dns":"silent"}}"#)
            let stuckPath = Paths.cluster(stuck)
            let marked = try await h.request(.delete, stuckPath)
            #expect(marked.status == 202, "\(marked.status) \(marked.body)")
            let others = ["validation", "pullsecret", "hypershift"]
            let end = ContinuousClock.now + .seconds(20)
            var finalized: [String] = []
            while ContinuousClock.now < end {
                finalized = try await h.statuses(stuckPath)
                    .filter { $0.conditionStatus("Finalized") == "True" }.compactMap { $0.at("adapter")?.stringValue }
                if Set(others).isSubset(of: Set(finalized)) { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(Set(finalized) == Set(others), "finalized: \(finalized)")
            let still = try await h.request(.get, stuckPath)
            #expect(still.status == 200, "\(still.status) \(still.body)")
            #expect(try still.string("deleted_time") != nil)
            let forced = try await h.request(.delete, stuckPath + "?force=true")
            #expect((200..<300).contains(forced.status), "\(forced.status) \(forced.body)")
            #expect(try await h.request(.get, stuckPath).status == 404)
        }
    }
}
