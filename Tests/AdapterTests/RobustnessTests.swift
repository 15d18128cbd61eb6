import HyperFleetAdapter
import HyperFleetModel
import HyperFleetTestSupport
import Kafka
import Testing

@Suite struct RobustnessTests {
    @Test func unknownResourceIsSkippedQuietly() async throws {
        try await AdapterHarness.run { h in
            let run = try await h.start(try h.configuration(file: "clusters-validation.yaml", name: "missing-probe"))
            let ghost = ResourceID.generate()
            try await h.publish(cluster: ghost)
            let real = try await h.createCluster("after-ghost")
            try await h.publish(cluster: real)
            try await h.waitForStatus(Paths.cluster(real), adapter: "missing-probe")
            try await h.waitForMetric(#"hyperfleet_adapter_events_total{adapter="missing-probe",resource_type="clusters",outcome="not_found"}"#, 1)
            #expect(try await h.request(.get, Paths.cluster(ghost) + "/statuses").status == 404)
            #expect(h.metric(#"hyperfleet_adapter_reports_total{adapter="missing-probe",resource_type="clusters",code="404"}"#) == nil)
            #expect(try await run.result(within: .milliseconds(10)) == nil, "the adapter must keep running")
        }
    }

    @Test func undecodableRecordsAreCountedAndSkipped() async throws {
        try await AdapterHarness.run { h in
            let run = try await h.start(try h.configuration(file: "clusters-validation.yaml", name: "junk-probe"))
            try await h.publishRaw(Array("\u{1}\u{2} definitely not an event".utf8))
            try await h.publishRaw(Array("{".utf8), headers: [KafkaHeader(key: "content-type", string: "application/cloudevents+json")])
            try await h.publishRaw(Array(#"{"id":42}"#.utf8), headers: [
                KafkaHeader(key: "ce_specversion", string: "1.0"), KafkaHeader(key: "ce_id", string: "x"),
                KafkaHeader(key: "ce_source", string: "s"), KafkaHeader(key: "ce_type", string: AdapterResourceType.clusters.eventType),
            ])
            let id = try await h.createCluster("after-junk")
            try await h.publish(cluster: id)
            try await h.waitForStatus(Paths.cluster(id), adapter: "junk-probe")
            try await h.waitForMetric(#"hyperfleet_adapter_events_total{adapter="junk-probe",resource_type="clusters",outcome="invalid"}"#, 3)
            #expect(try await run.result(within: .milliseconds(10)) == nil, "bad input must not stop the adapter")
        }
    }

    @Test func structuredModeEventIsHandled() async throws {
        try await AdapterHarness.run { h in
            try await h.start(try h.configuration(file: "clusters-validation.yaml"))
            let id = try await h.createCluster("structured-one")
            try await h.publish(cluster: id, mode: .structured)
            let status = try await h.waitForStatus(Paths.cluster(id), adapter: "validation") { $0.conditionStatus("Available") == "True" }
            #expect(status.observedGeneration == 1)
        }
    }

    @Test func staleEventAfterANewerGenerationDoesNotReportTheOldOne() async throws {
        try await AdapterHarness.run(clusterAdapters: ["validation"]) { h in
            try await h.start(try h.configuration(file: "clusters-validation.yaml", jobDuration: .milliseconds(100)))
            let id = try await h.createCluster("stale-one")
            let path = Paths.cluster(id)
            try await h.publish(cluster: id)
            try await h.waitForStatus(path, adapter: "validation") { $0.conditionStatus("Available") == "True" }
            let patch = try await h.request(.patch, path, json: #"{"labels":{"env":"dev"}}"#)
            #expect(try patch.int("generation") == 2)
            try await h.publish(cluster: id, generation: 2, reason: "generation_changed")
            let current = try await h.waitForStatus(path, adapter: "validation") {
                $0.observedGeneration == 2 && $0.conditionStatus("Available") == "True"
            }
            let reportTime = current.at("last_report_time")?.stringValue
            let transition = current.condition("Available")?.at("last_transition_time")?.stringValue

            // A late event still carrying generation 1: the adapter reads generation 2 and re-reports it.
            try await h.publish(cluster: id, generation: 1, reason: "not_ready_backoff")
            let after = try await h.waitForStatus(path, adapter: "validation") { $0.at("last_report_time")?.stringValue != reportTime }
            #expect(after.observedGeneration == 2)
            #expect(after.conditionStatus("Available") == "True")
            #expect(after.condition("Available")?.at("last_transition_time")?.stringValue == transition)
            #expect(try await h.cluster(id).int("status.observed_generation") == 2)
        }
    }

    @Test func conflictIsRetriedOnceThenLeftForTheNextEvent() async throws {
        try await AdapterHarness.run { h in
            let run = try await h.start(try h.configuration(file: "clusters-validation.yaml", name: "conflict-probe"))
            let id = try await h.createCluster("conflict-one")
            let path = Paths.cluster(id)
            // A newer report already stored for this adapter (observed a minute ahead): ours would go back in time.
            let ahead = Timestamp.now().adding(seconds: 60)
            let manual = #"{"adapter":"conflict-probe","observed_generation":1,"observed_time":"\#(ahead.rfc3339)","conditions":[{"type":"Available","status":"False","reason":"Manual"}]}"#
            #expect(try await h.request(.post, path + "/statuses", json: manual).status == 201)
            try await h.publish(cluster: id)
            try await h.waitForMetric(#"hyperfleet_adapter_events_total{adapter="conflict-probe",resource_type="clusters",outcome="conflict"}"#, 1)
            // Evaluated twice (the re-fetch), both 409; nothing stored over the newer report.
            #expect(h.metric(#"hyperfleet_adapter_reports_total{adapter="conflict-probe",resource_type="clusters",code="409"}"#) == 2)
            let stored = try #require(try await h.status(path, adapter: "conflict-probe"))
            #expect(stored.conditionReason("Available") == "Manual")
            #expect(try await run.result(within: .milliseconds(10)) == nil)

            // The adapter keeps working on other resources.
            let other = try await h.createCluster("conflict-two")
            try await h.publish(cluster: other)
            try await h.waitForStatus(Paths.cluster(other), adapter: "conflict-probe")
        }
    }

    @Test func restartedAdapterKeepsAFinishedJob() async throws {
        try await AdapterHarness.run { h in
            let configuration = try h.configuration(file: "clusters-validation.yaml", jobDuration: .seconds(3))
            let id = try await h.createCluster("restart-one")
            let path = Paths.cluster(id)
            // A previous run of this adapter finished the job at generation 1.
            let done = #"{"adapter":"validation","observed_generation":1,"observed_time":"\#(Timestamp.now().rfc3339)","conditions":[{"type":"Applied","status":"True"},{"type":"Available","status":"True","reason":"JobSucceeded"},{"type":"Health","status":"True"}]}"#
            #expect(try await h.request(.post, path + "/statuses", json: done).status == 201)
            let before = try #require(try await h.status(path, adapter: "validation"))
            try await h.start(configuration)
            try await h.publish(cluster: id, reason: "ready_stale")
            let after = try await h.waitForStatus(path, adapter: "validation") {
                $0.at("last_report_time")?.stringValue != before.at("last_report_time")?.stringValue
            }
            // Not restarted from scratch (that would report Available False for 3 s).
            #expect(after.conditionStatus("Available") == "True")
            #expect(after.condition("Available")?.at("last_transition_time") == before.condition("Available")?.at("last_transition_time"))
        }
    }
}
