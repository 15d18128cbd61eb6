import HyperFleetConfig
import HyperFleetTestSupport
import HyperFleetTracing
import Logging
import ServiceLifecycle
import Testing
import Tracing

@Suite struct ExportTests {
    private func settings(endpoint: String, exportTimeout: String = "5s", otlpProtocol: String = "http/protobuf") throws -> TracingSettings {
        let yaml = "tracing: {enabled: true, otlp_endpoint: '\(endpoint)', export_timeout: \(exportTimeout), otlp_protocol: \(otlpProtocol)}"
        return try TracingSettings.read(try ConfigReader(yaml: yaml, environment: [:], prefix: "HYPERFLEET_TEST"), environment: [:])
    }

    /// Runs `services` in their own group while `body` makes spans, then shuts the group down and waits
    /// at most `bound` for it to end; returns whether it ended within the bound.
    private func withRunningServices(
        _ services: [any Service], bound: Duration = .seconds(60), logger: Logger, _ body: () async throws -> Void
    ) async throws -> Bool {
        let group = ServiceGroup(configuration: .init(services: services.map { .init(service: $0) }, logger: logger))
        return try await withThrowingTaskGroup(of: Bool.self) { tasks in
            tasks.addTask {
                try await group.run()
                return true
            }
            do {
                try await body()
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            tasks.addTask {
                try await Task.sleep(for: bound)
                return false
            }
            let ended = try await tasks.next()!
            tasks.cancelAll()
            return ended
        }
    }

    @Test func spansArePostedAsOTLPProtobufToTheReceiver() async throws {
        let receiver = try await OTLPReceiver.start()
        let logger = Logger(label: "export-test")
        let made = try makeTracer(
            settings: try settings(endpoint: "http://127.0.0.1:\(receiver.port)"), serviceName: "hyperfleet-export-test", logger: logger,
            shutdownTimeout: .seconds(30), processEnvironment: [:])
        var traceID = ""
        let ended = try await withRunningServices(made.services, logger: logger) {
            made.tracer.withSpan("export-test-span") { span in
                traceID = String(made.tracer.traceHeaders(of: span.context).traceparent?.split(separator: "-")[1] ?? "")
            }
        }
        try await receiver.stop()
        #expect(ended)
        #expect(traceID.count == 32)
        let posts = receiver.requests.filter { $0.method == .POST && $0.uri == "/v1/traces" }
        let post = try #require(posts.first)
        #expect(post.contentType == "application/x-protobuf")
        #expect(!post.body.isEmpty)
        // swift-otel keeps its OTLP protobuf types to itself, so look for the raw fields in the encoding:
        // the 16 trace id bytes, the span name and the service name.
        let body = posts.flatMap(\.body)
        #expect(contains(body, hexBytes(traceID)))
        #expect(contains(body, Array("export-test-span".utf8)))
        #expect(contains(body, Array("hyperfleet-export-test".utf8)))
    }

    @Test func withHTTPJSONTheReceiverReadsBackNamesIdsParentsAttributesAndLinks() async throws {
        let receiver = try await OTLPReceiver.start()
        let logger = Logger(label: "export-test")
        let made = try makeTracer(
            settings: try settings(endpoint: receiver.endpoint, otlpProtocol: "http/json"), serviceName: "hyperfleet-json-test",
            logger: logger, shutdownTimeout: .seconds(30), processEnvironment: [:])
        let linked = made.tracer.context(continuing: TraceHeaders(
            traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", tracestate: nil))
        var parent = "", child = "", trace = ""
        let ended = try await withRunningServices(made.services, logger: logger) {
            made.tracer.withSpan("outer", ofKind: .server) { outer in
                outer.attributes["hyperfleet.resource.id"] = "abc"
                outer.attributes["http.response.status_code"] = 201
                let fields = made.tracer.traceHeaders(of: outer.context).traceparent!.split(separator: "-")
                (trace, parent) = (String(fields[1]), String(fields[2]))
                made.tracer.withSpan("inner", ofKind: .producer) { inner in
                    inner.addLink(SpanLink(context: linked, attributes: [:]))
                    child = String(made.tracer.traceHeaders(of: inner.context).traceparent!.split(separator: "-")[2])
                }
            }
        }
        try await receiver.stop()
        #expect(ended)
        #expect(receiver.requests.allSatisfy { $0.contentType == "application/json" })
        let spans = receiver.spans
        let outer = try #require(spans.first { $0.name == "outer" })
        let inner = try #require(spans.first { $0.name == "inner" })
        #expect(outer.service == "hyperfleet-json-test")
        #expect(outer.traceID == trace && outer.spanID == parent && outer.parentSpanID.isEmpty && outer.kind == 2)
        #expect(outer.attributes["hyperfleet.resource.id"] == "abc" && outer.attributes["http.response.status_code"] == "201")
        #expect(inner.traceID == trace && inner.spanID == child && inner.parentSpanID == parent && inner.kind == 4)
        #expect(inner.links.count == 1)
        #expect(inner.links.first?.traceID == "0af7651916cd43dd8448eb211c80319c" && inner.links.first?.spanID == "b7ad6b7169203331")
    }

    @Test func anUnreachableEndpointNeverBlocksOrFailsTheCaller() async throws {
        let port = try await unusedPort()
        let recorder = LogRecorder()
        let made = try makeTracer(
            settings: try settings(endpoint: "http://127.0.0.1:\(port)", exportTimeout: "1s"), serviceName: "unreachable-test",
            logger: recorder.logger, shutdownTimeout: .seconds(2), processEnvironment: [:])
        var made100 = 0
        let ended = try await withRunningServices(made.services, bound: .seconds(60), logger: recorder.logger) {
            for index in 0..<100 {
                try await made.tracer.withSpan("work \(index)") { span in
                    try await Task.sleep(for: .milliseconds(1))
                    if made.tracer.traceHeaders(of: span.context).traceparent != nil { made100 += 1 }
                }
            }
        }
        #expect(ended, "the tracer's services must stop although the endpoint refuses connections")
        #expect(made100 == 100, "spans are made and propagated whatever the exporter does")
    }

    @Test func anEndpointThatNeverAnswersOnlyCostsTheBoundedFlush() async throws {
        let silent = try await OTLPReceiver.start(silent: true)
        let logger = Logger(label: "export-test")
        let made = try makeTracer(
            settings: try settings(endpoint: "http://127.0.0.1:\(silent.port)", exportTimeout: "600s"), serviceName: "silent-test",
            logger: logger, shutdownTimeout: .seconds(1), processEnvironment: [:])
        // The export timeout (10 min) would far outlast the bound; the shutdown timeout (1 s) must cut the
        // flush short. The bound leaves a wide margin for a machine loaded by the whole suite (the first
        // bound, 20 s, was overrun once in CI while every suite started at once).
        let ended = try await withRunningServices(made.services, bound: .seconds(90), logger: logger) {
            made.tracer.withSpan("never-delivered") { _ in }
        }
        try await silent.stop()
        #expect(ended, "the final flush is bounded by the shutdown timeout, not by the collector")
    }

    private func hexBytes(_ hex: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex, let next = hex.index(index, offsetBy: 2, limitedBy: hex.endIndex) {
            bytes.append(UInt8(hex[index..<next], radix: 16) ?? 0)
            index = next
        }
        return bytes
    }

    private func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, haystack.count >= needle.count else { return false }
        return (0...(haystack.count - needle.count)).contains { start in haystack[start..<(start + needle.count)].elementsEqual(needle) }
    }
}
