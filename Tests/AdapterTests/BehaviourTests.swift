import HyperFleetAdapter
import HyperFleetModel
import HyperFleetTestSupport
import Testing

@Suite struct BehaviourTests {
    @Test func rejectIsABusinessFailure() async throws {
        try await AdapterHarness.run { h in
            try await h.start(try h.configuration(file: "clusters-validation.yaml"))
            let id = try await h.createCluster("rejected-one", spec: #"{"simulate":{"validation":"reject"}}"#)
            try await h.publish(cluster: id)
            let status = try await h.waitForStatus(Paths.cluster(id), adapter: "validation")
            #expect(status.conditionStatus("Applied") == "True")
            #expect(status.conditionStatus("Available") == "False")
            #expect(status.conditionReason("Available") == "JobFailed")
            #expect(status.conditionStatus("Health") == "True")
            #expect(try await h.cluster(id).string("status.phase") == "NotReady")

            // The fix is a PATCH that removes the value: a new generation, a new job that succeeds.
            let patch = try await h.request(
                .patch, Paths.cluster(id), json: #"{"spec":{"simulate":null}}"#, contentType: "application/merge-patch+json")
            #expect(patch.status == 200)
            try await h.publish(cluster: id, generation: 2, reason: "generation_changed")
            let fixed = try await h.waitForStatus(Paths.cluster(id), adapter: "validation") {
                $0.observedGeneration == 2 && $0.conditionStatus("Available") == "True"
            }
            #expect(fixed.conditionReason("Available") == "JobSucceeded")
        }
    }

    @Test func failMakesTheClusterFailed() async throws {
        try await AdapterHarness.run { h in
            try await h.start(try h.configuration(file: "clusters-validation.yaml"))
            let id = try await h.createCluster("failed-one", spec: #"{"simulate":{"validation":"fail"}}"#)
            try await h.publish(cluster: id)
            let status = try await h.waitForStatus(Paths.cluster(id), adapter: "validation")
            #expect(status.conditionStatus("Applied") == "False")
            #expect(status.conditionStatus("Available") == "False")
            #expect(status.conditionStatus("Health") == "False")
            let cluster = try await h.waitForPhase(cluster: id, "Failed")
            #expect(try cluster.string("status.phase") == "Failed")
        }
    }

    @Test func fileDefaultBehaviourAppliesWithoutSpec() async throws {
        try await AdapterHarness.run { h in
            var configuration = try h.configuration(file: "clusters-validation.yaml")
            configuration.behaviour = .reject
            try await h.start(configuration)
            let rejected = try await h.createCluster("default-reject")
            let overridden = try await h.createCluster("spec-succeeds", spec: #"{"simulate":{"validation":"succeed"}}"#)
            try await h.publish(cluster: rejected)
            try await h.publish(cluster: overridden)
            let first = try await h.waitForStatus(Paths.cluster(rejected), adapter: "validation")
            #expect(first.conditionReason("Available") == "JobFailed")
            try await h.waitForStatus(Paths.cluster(overridden), adapter: "validation") { $0.conditionStatus("Available") == "True" }
        }
    }

    @Test func silentReportsNothing() async throws {
        try await AdapterHarness.run { h in
            try await h.start(try h.configuration(file: "clusters-validation.yaml", name: "silent-probe"))
            let quiet = try await h.createCluster("silent-one", spec: #"{"simulate":{"silent-probe":"silent"}}"#)
            let normal = try await h.createCluster("loud-one")
            try await h.publish(cluster: quiet)
            try await h.publish(cluster: normal)
            // The later event was handled, so the earlier one was too (same partition key order is not
            // needed: wait for the silent outcome to be counted).
            try await h.waitForStatus(Paths.cluster(normal), adapter: "silent-probe")
            try await h.waitForMetric(#"hyperfleet_adapter_events_total{adapter="silent-probe",resource_type="clusters",outcome="silent"}"#, 1)
            #expect(try await h.status(Paths.cluster(quiet), adapter: "silent-probe") == nil)
            #expect(try await h.cluster(quiet).int("status.observed_generation") == 0)
        }
    }

    @Test func crashEndsTheServiceWithAnErrorAndOtherResourcesStillWork() async throws {
        try await AdapterHarness.run { h in
            let configuration = try h.configuration(file: "clusters-validation.yaml")
            let run = try await h.start(configuration)
            let id = try await h.createCluster("crash-one", spec: #"{"simulate":{"validation":"crash"}}"#)
            try await h.publish(cluster: id)
            let result = try #require(try await run.result(within: .seconds(20)), "the service did not stop on crash")
            #expect(throws: AdapterCrashError.self) { try result.get() }
            #expect(try await h.status(Paths.cluster(id), adapter: "validation") == nil)

            // A supervisor restarts it; the fix is a PATCH, and the restarted adapter handles the new generation.
            let patch = try await h.request(
                .patch, Paths.cluster(id), json: #"{"spec":{}}"#, contentType: "application/json")
            #expect(patch.status == 200)
            let restarted = try await h.start(configuration)
            try await h.publish(cluster: id, generation: 2, reason: "generation_changed")
            try await h.waitForStatus(Paths.cluster(id), adapter: "validation") {
                $0.observedGeneration == 2 && $0.conditionStatus("Available") == "True"
            }
            #expect(try await restarted.result(within: .milliseconds(10)) == nil)
        }
    }

    @Test func deletingResourceIsCleanedUpAndFinalized() async throws {
        try await AdapterHarness.run { h in
            // The API keeps only an adapter's newest report, and the clean-up job may finish before a poll
            // sees the first one: a proxy records every report the adapter sends.
            let reports = try await RecordingProxy.run(forwardingTo: h.apiURL) { proxy in
                var configuration = try h.configuration(file: "clusters-validation.yaml", jobDuration: .milliseconds(300))
                configuration.api.url = proxy.url
                try await h.start(configuration)
                let id = try await h.createCluster("deleting-one")
                try await h.publish(cluster: id)
                try await h.waitForStatus(Paths.cluster(id), adapter: "validation") { $0.conditionStatus("Available") == "True" }

                // What DELETE does (CONTRACT.md deletion lifecycle): deleted_time set, generation + 1.
                _ = try await h.pool.query(
                    "UPDATE clusters SET deleted_time = now(), deleted_by = 'test@example.com', generation = generation + 1 WHERE id = $1",
                    [id])
                #expect(try await h.cluster(id).string("deleted_time") != nil)
                try await h.publish(cluster: id, generation: 2, reason: "deleted")
                // The clean-up job finishes by itself.
                let finalized = try await h.waitForStatus(Paths.cluster(id), adapter: "validation") {
                    $0.observedGeneration == 2 && $0.conditionStatus("Finalized") == "True"
                }
                #expect(finalized.conditionReason("Available") == "Deleting")
                return try proxy.reports()
            }
            // The first report for the deletion says the clean-up is under way.
            let cleaning = try #require(reports.first { $0.observedGeneration == 2 }, "\(reports)")
            #expect(cleaning.conditionStatus("Finalized") == "False")
            #expect(cleaning.conditionStatus("Available") == "False")
            #expect(cleaning.conditionReason("Available") == "Deleting")
            #expect(cleaning.conditionStatus("Applied") == "False")
            #expect(cleaning.conditionStatus("Health") == "True")
        }
    }

    @Test func deletingIgnoresPreconditions() async throws {
        try await AdapterHarness.run { h in
            try await h.start(try h.configuration(file: "clusters-hypershift.yaml", jobDuration: .milliseconds(100)))
            let id = try await h.createCluster("deleting-two")
            _ = try await h.pool.query(
                "UPDATE clusters SET deleted_time = now(), deleted_by = 'test@example.com', generation = generation + 1 WHERE id = $1",
                [id])
            try await h.publish(cluster: id, generation: 2, reason: "deleted")
            let finalized = try await h.waitForStatus(Paths.cluster(id), adapter: "hypershift") { $0.conditionStatus("Finalized") == "True" }
            #expect(finalized.conditionReason("Applied") == "Deleting")
        }
    }
}
