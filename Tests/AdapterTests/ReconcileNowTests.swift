import HyperFleetJSON
import HyperFleetModel
import HyperFleetTestSupport
import Testing

/// An operator's reconcile-now reaches the adapter as an event with reason `requested` (ADAPTER.md):
/// the job for the current generation runs again, preconditions first, even when it has finished.
/// Every other reason re-reports the current result.
@Suite struct ReconcileNowTests {
    @Test func requestedRestartsAFinishedJobAndOtherReasonsDoNot() async throws {
        try await AdapterHarness.run { h in
            // dns waits for validation; validation's reports are posted by hand so the test steers that precondition.
            try await h.start(try h.configuration(file: "clusters-dns.yaml", jobDuration: .milliseconds(300)))
            let id = try await h.createCluster("reconcile-now")
            let path = Paths.cluster(id)
            let validation = { (available: String) in
                #"{"adapter":"validation","observed_generation":1,"observed_time":"\#(Timestamp.now().rfc3339)","conditions":[{"type":"Available","status":"\#(available)"}]}"#
            }
            #expect(try await h.request(.post, path + "/statuses", json: validation("True")).status == 201)
            var handled = 0.0
            /// Publishes one event and waits until dns has handled it (its report is stored by then).
            func send(_ reason: String) async throws {
                try await h.publish(cluster: id, reason: reason)
                handled += 1
                let end = ContinuousClock.now + .seconds(20)
                while ContinuousClock.now < end, h.handledEvents() < handled { try await Task.sleep(for: .milliseconds(25)) }
                #expect(h.handledEvents() == handled, "dns handled the \(reason) event")
            }

            try await send("created")
            let done = try await h.waitForStatus(path, adapter: "dns") { $0.conditionStatus("Available") == "True" }
            let firstSuccess = try #require(done.availableSince)

            // Not a reconcile-now: the finished job's result is re-reported, Available never left True.
            try await send("max_age_ready")
            let reReported = try #require(try await h.status(path, adapter: "dns"))
            #expect(reReported.conditionStatus("Available") == "True")
            #expect(reReported.conditionReason("Available") == "JobSucceeded")
            #expect(reReported.availableSince == firstSuccess)

            // Reconcile-now: the job runs again (Available False while it runs, so True again later, with a new transition).
            try await send("requested")
            let again = try await h.waitForStatus(path, adapter: "dns") {
                $0.conditionStatus("Available") == "True" && ($0.availableSince ?? firstSuccess) > firstSuccess
            }
            #expect(again.conditionReason("Available") == "JobSucceeded")
            #expect(again.observedGeneration == 1)

            // Preconditions are checked again: validation is no longer Available, so dns waits.
            #expect(try await h.request(.post, path + "/statuses", json: validation("False")).status == 201)
            try await send("requested")
            let waiting = try #require(try await h.status(path, adapter: "dns"))
            #expect(waiting.conditionReason("Available") == "PreconditionsNotMet")
            #expect(waiting.conditionStatus("Available") == "False")
            // A later ordinary event does not bring back the old job's result.
            try await send("not_ready_backoff")
            #expect(try await h.status(path, adapter: "dns")?.conditionReason("Available") == "PreconditionsNotMet")

            // Precondition met again; the next reconcile-now runs the job to the end.
            #expect(try await h.request(.post, path + "/statuses", json: validation("True")).status == 201)
            try await send("requested")
            try await h.waitForStatus(path, adapter: "dns") { $0.conditionReason("Available") == "JobSucceeded" }
        }
    }
}

extension AdapterHarness {
    /// Events dns handled with a stored report (its job's result or its unmet preconditions).
    func handledEvents() -> Double {
        let sample = #"hyperfleet_adapter_events_total{adapter="dns",resource_type="clusters",outcome="#
        return (metric(sample + #""reported"}"#) ?? 0) + (metric(sample + #""preconditions_not_met"}"#) ?? 0)
    }
}

extension JSONValue {
    /// When the adapter's `Available` condition last changed status.
    var availableSince: Timestamp? {
        condition("Available")?.at("last_transition_time")?.stringValue.flatMap(Timestamp.parseRFC3339)
    }
}
