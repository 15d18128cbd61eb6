import HyperFleetAdapter
import HyperFleetConfig
import HyperFleetModel
import HyperFleetTestSupport
import HyperFleetTracing
import Kafka
import Testing

/// Issue 13: the adapter continues the trace of the event it consumes, through its API calls (which send
/// `traceparent`) and its job.
@Suite struct TracingTests {
    static let eventTrace = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

    /// Tracing on; exported as OTLP/HTTP JSON to `endpoint` when given.
    static func tracing(endpoint: String? = nil) throws -> TracingSettings {
        let yaml = endpoint.map { "tracing: {enabled: true, otlp_endpoint: '\($0)', otlp_protocol: http/json}" } ?? "tracing: {enabled: true}"
        return try TracingSettings.read(try ConfigReader(yaml: yaml, environment: [:], prefix: "HYPERFLEET_TEST"), environment: [:])
    }

    /// The (trace id, span id) of a version-00 traceparent.
    static func ids(_ traceparent: String?) -> (trace: String, span: String)? {
        let fields = traceparent?.split(separator: "-", omittingEmptySubsequences: false) ?? []
        guard fields.count == 4, fields[0] == "00", fields[1].count == 32, fields[2].count == 16 else { return nil }
        return (String(fields[1]), String(fields[2]))
    }

    @Test func anEventsTraceContinuesThroughTheAPICallsAndTheJob() async throws {
        let receiver = try await OTLPReceiver.start()
        let event = try #require(Self.ids(Self.eventTrace))
        let (clusterID, requests) = try await AdapterHarness.run { h in
            try await RecordingProxy.run(forwardingTo: h.apiURL) { proxy in
                var configuration = try h.configuration(file: "clusters-validation.yaml", jobDuration: .milliseconds(300))
                configuration.api.url = proxy.url
                configuration.tracing = try Self.tracing(endpoint: receiver.endpoint)
                let run = try await h.start(configuration)
                let id = try await h.createCluster("traced")
                try await h.publish(cluster: id, extensions: ["traceparent": Self.eventTrace, "tracestate": "hf=sentinel"])
                // The job's own completion report too.
                try await h.waitForStatus(Paths.cluster(id), adapter: "validation") { $0.conditionStatus("Available") == "True" }
                // Stopping the adapter flushes its spans.
                await run.shutDown()
                return (id, proxy.requests.filter { $0.uri.hasPrefix(Paths.base) })
            }
        }
        try await receiver.stop()

        // GET the resource, GET its statuses, POST the running job's report; then, when the job ends, GET
        // the resource and POST the finished job's report.
        #expect(requests.map(\.method) == ["GET", "GET", "POST", "GET", "POST"], "\(requests)")
        let sent = requests.compactMap { Self.ids($0.traceparent) }
        #expect(sent.count == requests.count, "every API call sends a traceparent: \(requests)")
        #expect(sent.allSatisfy { $0.trace == event.trace }, "\(requests)")
        #expect(Set(sent.map(\.span)).count == sent.count && !sent.contains { $0.span == event.span })
        #expect(requests.allSatisfy { $0.tracestate == "hf=sentinel" })

        let spans = receiver.spans.filter { $0.service == "hyperfleet-adapter-clusters-validation" }
        #expect(spans.allSatisfy { $0.traceID == event.trace }, "\(spans)")
        func child(_ name: String, of parent: ExportedSpan) -> [ExportedSpan] {
            spans.filter { $0.name == name && $0.parentSpanID == parent.spanID }
        }
        let evaluation = try #require(spans.first { $0.name == "adapter evaluate" && $0.attributes["hyperfleet.adapter.trigger"] == "event" })
        #expect(evaluation.parentSpanID == event.span && evaluation.kind == 5, "consumer, child of the publish span")
        #expect(evaluation.attributes["hyperfleet.adapter.name"] == "validation")
        #expect(evaluation.attributes["hyperfleet.resource.type"] == "clusters")
        #expect(evaluation.attributes["hyperfleet.resource.id"] == clusterID)
        #expect(evaluation.attributes["hyperfleet.event.reason"] == "created")
        #expect(evaluation.attributes["hyperfleet.adapter.outcome"] == "reported")
        #expect(evaluation.attributes["messaging.system"] == "kafka")
        #expect(evaluation.attributes["messaging.destination.name"] == "hyperfleet-clusters")

        let get = try #require(child("adapter GET resource", of: evaluation).first)
        #expect(get.kind == 3 && get.spanID == sent[0].span)
        #expect(get.attributes["http.request.method"] == "GET" && get.attributes["http.response.status_code"] == "200")
        #expect(get.attributes["url.template"] == "/api/hyperfleet/v1/clusters/{cluster_id}")
        #expect(get.attributes["hyperfleet.resource.id"] == clusterID)
        let statuses = try #require(child("adapter GET statuses", of: evaluation).first)
        #expect(statuses.spanID == sent[1].span)
        #expect(statuses.attributes["url.template"] == "/api/hyperfleet/v1/clusters/{cluster_id}/statuses")
        let report = try #require(child("adapter POST status", of: evaluation).first)
        #expect(report.spanID == sent[2].span && report.attributes["http.request.method"] == "POST")
        #expect(report.attributes["http.response.status_code"] == "201" || report.attributes["http.response.status_code"] == "200")
        #expect(report.attributes["url.template"] == "/api/hyperfleet/v1/clusters/{cluster_id}/statuses")

        let job = try #require(child("adapter job", of: evaluation).first)
        #expect(job.kind == 1)
        #expect(job.attributes["hyperfleet.resource.generation"] == "1" && job.attributes["hyperfleet.adapter.behaviour"] == "succeed")
        #expect(job.attributes["hyperfleet.adapter.job.kind"] == "work" && job.attributes["hyperfleet.adapter.job.interrupted"] == nil)
        // The job reports its own end inside its trace.
        let finished = try #require(child("adapter evaluate", of: job).first)
        #expect(finished.attributes["hyperfleet.adapter.trigger"] == "job_finished" && finished.kind == 1)
        #expect(child("adapter GET resource", of: finished).first?.spanID == sent[3].span)
        #expect(child("adapter POST status", of: finished).first?.spanID == sent[4].span)
    }

    @Test func structuredEventsContinueTheirTraceAndMalformedContextsStartANewOne() async throws {
        let event = try #require(Self.ids(Self.eventTrace))
        try await AdapterHarness.run { h in
            try await RecordingProxy.run(forwardingTo: h.apiURL) { proxy in
                var configuration = try h.configuration(file: "clusters-validation.yaml")
                configuration.api.url = proxy.url
                configuration.tracing = try Self.tracing()
                try await h.start(configuration)

                let structured = try await h.createCluster("structured")
                try await h.publish(cluster: structured, mode: .structured, extensions: ["traceparent": Self.eventTrace])
                let malformed = try await h.createCluster("malformed")
                try await h.publish(cluster: malformed, extensions: ["traceparent": "00-4bf92f3577b34da6a3ce929d0e0e47-00f067aa0ba902b7-01"])
                try await h.waitForStatus(Paths.cluster(structured), adapter: "validation")
                try await h.waitForStatus(Paths.cluster(malformed), adapter: "validation")

                let byCluster = { (id: String) in proxy.requests.filter { $0.uri.hasPrefix(Paths.cluster(id)) } }
                let continued = byCluster(structured).map { Self.ids($0.traceparent) }
                #expect(continued.count >= 3 && continued.allSatisfy { $0?.trace == event.trace }, "\(byCluster(structured))")
                // A malformed context is ignored, never an error: the evaluation reports in a new trace.
                let fresh = byCluster(malformed).map { Self.ids($0.traceparent) }
                #expect(fresh.count >= 3 && fresh.allSatisfy { $0 != nil && $0?.trace != event.trace }, "\(byCluster(malformed))")
                #expect(Set(fresh.compactMap { $0?.trace }).count == 1, "one evaluation, one trace")
            }
        }
    }

    @Test func withTracingOffNoTraceHeadersAreSent() async throws {
        try await AdapterHarness.run { h in
            try await RecordingProxy.run(forwardingTo: h.apiURL) { proxy in
                var configuration = try h.configuration(file: "clusters-validation.yaml")
                configuration.api.url = proxy.url
                #expect(!configuration.tracing.enabled)
                try await h.start(configuration)
                let id = try await h.createCluster("untraced")
                try await h.publish(cluster: id, extensions: ["traceparent": Self.eventTrace, "tracestate": "hf=sentinel"])
                try await h.waitForStatus(Paths.cluster(id), adapter: "validation")
                let requests = proxy.requests.filter { $0.uri.hasPrefix(Paths.base) }
                #expect(requests.count >= 3)
                #expect(requests.allSatisfy { $0.traceparent == nil && $0.tracestate == nil }, "\(requests)")
            }
        }
    }
}
