import HyperFleetAdapter
import HyperFleetModel
import Testing

@Suite struct SucceedPathTests {
    @Test func jobRunsThenReportsAvailableByItselfAndRepeatsDoNotFlip() async throws {
        try await AdapterHarness.run { h in
            // The API keeps only the newest report, and on two loaded cores a poll can miss the running
            // job's report: a proxy records every report the adapter sends.
            try await RecordingProxy.run(forwardingTo: h.apiURL) { proxy in
                var configuration = try h.configuration(file: "clusters-validation.yaml", jobDuration: .seconds(1))
                configuration.api.url = proxy.url
                try await h.start(configuration)
                let id = try await h.createCluster("succeed-one")
                let path = Paths.cluster(id)
                try await h.publish(cluster: id)

                // No further event: the job reports its own completion.
                let done = try await h.waitForStatus(path, adapter: "validation") { $0.conditionStatus("Available") == "True" }
                #expect(done.conditionReason("Available") == "JobSucceeded")
                let running = try #require(try proxy.reports().first, "no report went through the proxy")
                #expect(running.observedGeneration == 1)
                #expect(running.conditionStatus("Available") == "False")
                #expect(running.conditionReason("Available") == "JobRunning")
                #expect(running.conditionStatus("Applied") == "True")
                #expect(running.conditionStatus("Health") == "True")
                #expect(running.condition("Finalized") == nil)
                let transition = done.condition("Available")?.at("last_transition_time")?.stringValue
                let reported = done.at("last_report_time")?.stringValue

                // Repeated events re-report the finished job: Available never flips back.
                for _ in 0..<3 { try await h.publish(cluster: id, reason: "not_ready_backoff") }
                let again = try await h.waitForStatus(path, adapter: "validation") {
                    $0.at("last_report_time")?.stringValue != reported
                }
                try await Task.sleep(for: .milliseconds(300))
                let final = try #require(try await h.status(path, adapter: "validation"))
                #expect(again.conditionStatus("Available") == "True")
                #expect(final.conditionStatus("Available") == "True")
                #expect(final.condition("Available")?.at("last_transition_time")?.stringValue == transition)
                #expect(final.observedGeneration == 1)
                #expect(try proxy.reports().dropFirst().allSatisfy { $0.conditionStatus("Available") == "True" }, "Available flipped back")
            }
        }
    }

    @Test func fourClusterAdaptersMakeTheClusterReady() async throws {
        try await AdapterHarness.run { h in
            for file in ["clusters-validation.yaml", "clusters-dns.yaml", "clusters-pullsecret.yaml", "clusters-hypershift.yaml"] {
                try await h.start(try h.configuration(file: file, jobDuration: .milliseconds(150)))
            }
            let id = try await h.createCluster("ready-one")
            try await h.publish(cluster: id)
            // The Sentinel would keep sending events while adapters progress; so do we.
            let ready = try await h.waitForPhase(cluster: id, "Ready", publishingEvery: .milliseconds(400))
            #expect(try ready.int("status.observed_generation") == 1)
            let types = try ready.json().at("status.conditions")?.arrayValue?.compactMap { $0.at("type")?.stringValue }
            #expect(types == ["DnsSuccessful", "HypershiftSuccessful", "PullsecretSuccessful", "ValidationSuccessful"])

            // A PATCH bumps the generation; the adapters run new jobs and the cluster is Ready again at 2.
            let patch = try await h.request(
                .patch, Paths.cluster(id), json: #"{"spec":{"region":"eu"}}"#, contentType: "application/merge-patch+json")
            #expect(patch.status == 200)
            try await h.publish(cluster: id, generation: 2, reason: "generation_changed")
            let readyAgain = try await h.waitForPhase(cluster: id, "Ready", publishingEvery: .milliseconds(400))
            #expect(try readyAgain.int("status.observed_generation") == 2)
        }
    }

    @Test func unmetPreconditionsAreReportedAndNoJobStarts() async throws {
        try await AdapterHarness.run { h in
            try await h.start(try h.configuration(file: "clusters-hypershift.yaml"))
            let id = try await h.createCluster("waiting-one")
            let path = Paths.cluster(id)
            try await h.publish(cluster: id)
            let waiting = try await h.waitForStatus(path, adapter: "hypershift")
            #expect(waiting.conditionStatus("Applied") == "False")
            #expect(waiting.conditionStatus("Available") == "False")
            #expect(waiting.conditionStatus("Health") == "True")
            #expect(waiting.conditionReason("Available") == "PreconditionsNotMet")
            let message = try #require(waiting.condition("Available")?.at("message")?.stringValue)
            #expect(message.contains("dns") && message.contains("pullsecret"))

            // dns becomes Available but pullsecret reports a stale generation: still waiting, naming only pullsecret.
            let report = { (adapter: String, available: String) in
                #"{"adapter":"\#(adapter)","observed_generation":1,"observed_time":"\#(Timestamp.now().rfc3339)","conditions":[{"type":"Available","status":"\#(available)"}]}"#
            }
            #expect(try await h.request(.post, path + "/statuses", json: report("dns", "True")).status == 201)
            #expect(try await h.request(.post, path + "/statuses", json: report("pullsecret", "False")).status == 201)
            try await h.publish(cluster: id, reason: "not_ready_backoff")
            let still = try await h.waitForStatus(path, adapter: "hypershift") {
                ($0.condition("Available")?.at("message")?.stringValue ?? "").contains("dns") == false
            }
            #expect(still.conditionReason("Available") == "PreconditionsNotMet")
            #expect(still.condition("Available")?.at("message")?.stringValue?.contains("pullsecret") == true)

            // Both met: the job starts and finishes.
            #expect(try await h.request(.post, path + "/statuses", json: report("pullsecret", "True")).status == 201)
            try await h.publish(cluster: id, reason: "not_ready_backoff")
            let done = try await h.waitForStatus(path, adapter: "hypershift") { $0.conditionStatus("Available") == "True" }
            #expect(done.conditionStatus("Applied") == "True")
        }
    }

    @Test func nodePoolHypershiftWaitsForItsClusterReady() async throws {
        try await AdapterHarness.run { h in
            try await h.start(try h.configuration(file: "nodepools-validation.yaml", jobDuration: .milliseconds(100)))
            try await h.start(try h.configuration(file: "nodepools-hypershift.yaml", jobDuration: .milliseconds(100)))
            let clusterID = try await h.createCluster("np-parent")
            let nodePoolID = try await h.createNodePool(clusterID, "np-one")
            let path = Paths.nodePool(clusterID: clusterID, id: nodePoolID)
            try await h.publish(nodePool: nodePoolID, cluster: clusterID)
            try await h.waitForStatus(path, adapter: "validation") { $0.conditionStatus("Available") == "True" }
            try await h.publish(nodePool: nodePoolID, cluster: clusterID, reason: "not_ready_backoff")
            let waiting = try await h.waitForStatus(path, adapter: "hypershift") {
                let message = $0.condition("Available")?.at("message")?.stringValue ?? ""
                return message.contains("phase Ready") && !message.contains("validation (")
            }
            #expect(waiting.conditionReason("Available") == "PreconditionsNotMet")
            #expect(waiting.condition("Available")?.at("message")?.stringValue?.contains("cluster \(clusterID)") == true)

            // Make the cluster Ready through its adapters' reports, then the nodepool's hypershift proceeds.
            for adapter in ["validation", "dns", "pullsecret", "hypershift"] {
                let body = #"{"adapter":"\#(adapter)","observed_generation":1,"observed_time":"\#(Timestamp.now().rfc3339)","conditions":[{"type":"Available","status":"True"}]}"#
                #expect(try await h.request(.post, Paths.cluster(clusterID) + "/statuses", json: body).status == 201)
            }
            #expect(try await h.cluster(clusterID).string("status.phase") == "Ready")
            try await h.publish(nodePool: nodePoolID, cluster: clusterID, reason: "not_ready_backoff")
            try await h.waitForStatus(path, adapter: "hypershift") { $0.conditionStatus("Available") == "True" }
            let nodePool = try await h.request(.get, path)
            #expect(try nodePool.string("status.phase") == "Ready")
        }
    }
}
