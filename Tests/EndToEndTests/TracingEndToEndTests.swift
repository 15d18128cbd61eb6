import Foundation
import HyperFleetJSON
import HyperFleetModel
import HyperFleetTestSupport
import Testing

/// One trace from an API write to the adapters' reports (issue 13), with every component exporting its
/// spans over OTLP/HTTP (JSON) to a receiver the test runs: the production tracers, not a test double.
extension EndToEndTests {
    @Test func aCreateItsEventAndTheAdaptersReportsFormOneTrace() async throws {
        let receiver = try await OTLPReceiver.start()
        let traceID = (0..<4).map { _ in String(format: "%08x", UInt32.random(in: 1...UInt32.max)) }.joined()
        let callerSpan = String(format: "%016llx", UInt64.random(in: 1...UInt64.max))
        try await E2EHarness.run(tracesTo: receiver.endpoint) { h in
            let created = try await h.request(
                .post, "/api/hyperfleet/v1/clusters", json: #"{"kind":"Cluster","name":"e2e-traced","spec":{"region":"eu"}}"#,
                headers: [("traceparent", "00-\(traceID)-\(callerSpan)-01"), ("tracestate", "caller=1")])
            try #require(created.status == 201, "\(created.body)")
            let cluster = try #require(try created.string("id"))

            // The Sentinel's event carries the trace on, in the CloudEvents tracing extension.
            let event = try #require(try await h.events.waitFor(1) { $0.key == cluster && $0.reason == "created" }.first)
            let ceTraceparent = try #require(event.header("ce_traceparent"), "the created event has no ce_traceparent")
            let fields = ceTraceparent.split(separator: "-").map(String.init)
            #expect(fields.count == 4 && fields[1] == traceID, "\(ceTraceparent)")
            try await h.waitForPhase(Paths.cluster(cluster), "Ready", generation: 1)

            // The exported spans: the create's server span, the publish, an adapter's evaluation, its status
            // report and the API's server span for that report, all in the caller's trace.
            let spans = try await receiver.spans(within: .seconds(30)) { spans in
                spans.contains {
                    $0.traceID == traceID && $0.service == "hyperfleet-api" && $0.attributes["http.request.method"] == "POST"
                        && $0.attributes["http.route"]?.hasSuffix("/statuses") == true
                }
            }.filter { $0.traceID == traceID }
            let byID = Dictionary(spans.map { ($0.spanID, $0) }, uniquingKeysWith: { first, _ in first })
            func ancestors(_ span: ExportedSpan) -> [ExportedSpan] {
                var chain: [ExportedSpan] = []
                var current = span
                while let parent = byID[current.parentSpanID], chain.count < 64 {
                    chain.append(parent)
                    current = parent
                }
                return chain
            }

            let create = try #require(
                spans.first { $0.service == "hyperfleet-api" && $0.kind == 2 && $0.parentSpanID == callerSpan },
                "no server span continuing the caller's traceparent among \(spans)")
            #expect(create.name == "POST /api/hyperfleet/v1/clusters")
            #expect(create.attributes["http.request.method"] == "POST")
            #expect(create.attributes["http.route"] == "/api/hyperfleet/v1/clusters")
            #expect(create.attributes["http.response.status_code"] == "201")

            // The publish span is the one the event names, and descends from the create.
            let publish = try #require(byID[fields[2]], "the span of ce_traceparent (\(fields[2])) was not exported")
            #expect(publish.service == "hyperfleet-sentinel" && publish.kind == 4, "\(publish)")
            #expect(publish.attributes["hyperfleet.resource.id"] == cluster)
            #expect(ancestors(publish).contains { $0.spanID == create.spanID }, "the publish does not descend from the create")

            // An adapter continued the event's trace, and its report reached the API as a child of its call.
            let reports = spans.filter {
                $0.service == "hyperfleet-api" && $0.kind == 2 && $0.attributes["http.request.method"] == "POST"
                    && $0.attributes["http.route"] == "/api/hyperfleet/v1/clusters/{cluster_id}/statuses"
            }
            let chained = reports.first { report in
                let chain = ancestors(report)
                return chain.contains { $0.spanID == publish.spanID } && chain.first?.service.hasPrefix("hyperfleet-adapter-clusters-") == true
            }
            let report = try #require(chained, "no status report descending from the publish through an adapter's call: \(reports)")
            #expect(report.name == "POST /api/hyperfleet/v1/clusters/{cluster_id}/statuses")
            #expect(report.attributes["hyperfleet.resource.id"] == cluster)
            #expect(report.attributes["http.response.status_code"] == "201" || report.attributes["http.response.status_code"] == "200")

            // Bounded attributes: no query strings, addresses, headers or bodies anywhere.
            for span in spans {
                for (key, value) in span.attributes {
                    #expect(!["url.query", "client.address", "network.peer.address", "server.address", "http.request.header.authorization"].contains(key), "\(span)")
                    #expect(!value.contains("?") && !value.contains("127.0.0.1"), "\(span): \(key)=\(value)")
                }
            }
        }
        try await receiver.stop()
    }
}
