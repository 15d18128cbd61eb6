import HTTPTypes
import HyperFleetConfig
import HyperFleetTestSupport
import HyperFleetTracing
import Kafka
import Logging
import NIOHTTP1
import Testing
import Tracing

/// A production tracer (swift-otel) that exports nowhere; its services are not run, which inject and
/// extract do not need.
func localTracer(sampler: String = "parentbased_always_on", logger: Logger = Logger(label: "tracing-test")) throws -> any Tracer {
    let reader = try ConfigReader(yaml: "tracing: {enabled: true, sampler: \(sampler)}", environment: [:], prefix: "HYPERFLEET_TEST")
    let settings = try TracingSettings.read(reader, environment: [:])
    return try makeTracer(settings: settings, serviceName: "tracing-test", logger: logger, processEnvironment: [:]).tracer
}

@Suite struct PropagationTests {
    static let traceID = "0af7651916cd43dd8448eb211c80319c"
    static let spanID = "b7ad6b7169203331"
    static let sampled = "00-\(traceID)-\(spanID)-01"

    /// Extracts `traceparent` (and `tracestate`) as the API will from request fields, starts a child span,
    /// and returns what the child would propagate.
    private func childHeaders(_ traceparent: String?, tracestate: String? = nil, tracer: (any Tracer)? = nil) throws -> TraceHeaders {
        let tracer = try tracer ?? localTracer()
        var fields = HTTPFields()
        if let traceparent { fields[HTTPField.Name("traceparent")!] = traceparent }
        if let tracestate { fields[HTTPField.Name("tracestate")!] = tracestate }
        var context = ServiceContext.topLevel
        tracer.extract(fields, into: &context, using: HTTPFieldsExtractor())
        let span = tracer.startSpan("child", context: context)
        defer { span.end() }
        return tracer.traceHeaders(of: span.context)
    }

    private func parts(_ headers: TraceHeaders) throws -> [String] {
        try #require(headers.traceparent).split(separator: "-").map(String.init)
    }

    @Test func aValidTraceparentIsContinued() throws {
        let child = try parts(childHeaders(Self.sampled))
        #expect(child.count == 4)
        #expect(child[0] == "00")
        #expect(child[1] == Self.traceID)
        #expect(child[2] != Self.spanID)
        #expect(child[3] == "01")
    }

    @Test func theSampledFlagIsFollowed() throws {
        let notSampled = try parts(childHeaders("00-\(Self.traceID)-\(Self.spanID)-00"))
        #expect(notSampled[1] == Self.traceID)
        #expect(notSampled[3] == "00")
    }

    @Test func versionFFIsInvalidAndStartsANewTrace() throws {
        let child = try parts(childHeaders("ff-\(Self.traceID)-\(Self.spanID)-01"))
        #expect(child[1] != Self.traceID)
        #expect(child[3] == "01")
    }

    @Test func aFutureVersionWithMoreFieldsIsReadAsTheSpecAsks() throws {
        let child = try parts(childHeaders("cc-\(Self.traceID)-\(Self.spanID)-01-what-the-future-will-be-like"))
        #expect(child[0] == "00")
        #expect(child[1] == Self.traceID)
        #expect(child[3] == "01")
        // Only the sampled bit of a future version's flags is understood.
        #expect(TraceContextFields.normalizedTraceparent("cc-\(Self.traceID)-\(Self.spanID)-09") == "00-\(Self.traceID)-\(Self.spanID)-01")
        // A future version must separate its extra fields with a dash.
        #expect(try parts(childHeaders("cc-\(Self.traceID)-\(Self.spanID)-01x"))[1] != Self.traceID)
    }

    @Test func version00WithExtraFieldsIsInvalid() throws {
        #expect(try parts(childHeaders("00-\(Self.traceID)-\(Self.spanID)-01-extra"))[1] != Self.traceID)
    }

    @Test func allZeroIdsAreIgnored() throws {
        let zeroTrace = try parts(childHeaders("00-\(String(repeating: "0", count: 32))-\(Self.spanID)-01"))
        #expect(zeroTrace[1] != String(repeating: "0", count: 32))
        let zeroSpan = try parts(childHeaders("00-\(Self.traceID)-\(String(repeating: "0", count: 16))-01"))
        #expect(zeroSpan[1] != Self.traceID)
    }

    @Test func malformedHeadersAreIgnoredQuietly() throws {
        let recorder = LogRecorder()
        let tracer = try localTracer(logger: recorder.logger)
        let malformed = [
            "", "garbage", "00-\(Self.traceID)-\(Self.spanID)", "00-\(Self.traceID.uppercased())-\(Self.spanID)-01",
            "00_\(Self.traceID)_\(Self.spanID)_01", "00-\(Self.traceID)-\(Self.spanID)-0g", "0-\(Self.traceID)-\(Self.spanID)-01",
            "00-\(Self.traceID)-\(Self.spanID)-01,00-\(Self.traceID)-\(Self.spanID)-01", String(repeating: "x", count: 10_000),
        ]
        for header in malformed {
            let child = try parts(childHeaders(header, tracer: tracer))
            #expect(child[1] != Self.traceID, "\(header.prefix(60))")
        }
        #expect(recorder.messages(atLeast: .warning).isEmpty)
    }

    @Test func anInvalidTracestateIsDroppedAndTheTraceparentKept() throws {
        let kept = try childHeaders(Self.sampled, tracestate: "vendor=value,other=1")
        #expect(try parts(kept)[1] == Self.traceID)
        #expect(kept.tracestate == "vendor=value, other=1" || kept.tracestate == "vendor=value,other=1")
        let dropped = try childHeaders(Self.sampled, tracestate: "no equals sign here")
        #expect(try parts(dropped)[1] == Self.traceID)
        #expect(dropped.tracestate == nil)
    }

    @Test func clientHeadersCarryTheCurrentSpan() throws {
        let tracer = try localTracer()
        let span = tracer.startSpan("client call", context: tracer.context(continuing: TraceHeaders(traceparent: Self.sampled)))
        defer { span.end() }
        var headers = HTTPHeaders([("traceparent", "stale"), ("accept", "application/json")])
        tracer.inject(span.context, into: &headers, using: HTTPHeadersInjector())
        #expect(headers["traceparent"].count == 1)
        let sent = try #require(headers.first(name: "traceparent"))
        #expect(sent.contains(Self.traceID))
        #expect(sent != "stale")
        // and back: what a receiving NIO handler would read
        var received = ServiceContext.topLevel
        tracer.extract(headers, into: &received, using: HTTPHeadersExtractor())
        #expect(tracer.traceHeaders(of: received).traceparent == sent)
    }

    @Test func theNoOpTracerPropagatesNothing() throws {
        let tracer = NoOpTracer()
        var fields = HTTPFields()
        fields[HTTPField.Name("traceparent")!] = Self.sampled
        var context = ServiceContext.topLevel
        tracer.extract(fields, into: &context, using: HTTPFieldsExtractor())
        var headers = HTTPHeaders()
        tracer.inject(context, into: &headers, using: HTTPHeadersInjector())
        #expect(headers.isEmpty)
    }

    // MARK: Kafka and CloudEvents

    private func event() -> CloudEvent {
        CloudEvent(id: "e-1", source: "/hyperfleet/sentinel", type: "com.redhat.hyperfleet.cluster.reconcile", data: Array(#"{"id":"c1"}"#.utf8))
    }

    private func consumed(_ message: KafkaMessage) -> KafkaConsumerMessage {
        KafkaConsumerMessage(topic: message.topic, key: message.key, value: message.value, headers: message.headers)
    }

    @Test func binaryModeCarriesCeTraceparentHeaders() throws {
        let tracer = try localTracer()
        let span = tracer.startSpan("publish", context: tracer.context(continuing: TraceHeaders(traceparent: Self.sampled, tracestate: "hf=1")))
        defer { span.end() }
        var event = event()
        tracer.inject(span.context, into: &event, using: CloudEventInjector())
        let message = event.kafkaMessage(topic: "clusters", key: "c1", mode: .binary)
        let header = try #require(message.headers.first { $0.key == "ce_traceparent" })
        let published = tracer.traceHeaders(of: span.context)
        #expect(String(decoding: header.value, as: UTF8.self) == published.traceparent)
        #expect(message.headers.contains { $0.key == "ce_tracestate" && String(decoding: $0.value, as: UTF8.self) == "hf=1" })

        // The consumer side, both through the headers and through the decoded event.
        var fromHeaders = ServiceContext.topLevel
        tracer.extract(message.headers, into: &fromHeaders, using: KafkaHeadersExtractor())
        #expect(tracer.traceHeaders(of: fromHeaders) == published)
        let decoded = try CloudEvent.decode(consumed(message))
        var fromEvent = ServiceContext.topLevel
        tracer.extract(decoded, into: &fromEvent, using: CloudEventExtractor())
        #expect(tracer.traceHeaders(of: fromEvent) == published)
    }

    @Test func structuredModeCarriesTraceparentAttributes() throws {
        let tracer = try localTracer()
        let span = tracer.startSpan("publish", context: tracer.context(continuing: TraceHeaders(traceparent: Self.sampled)))
        defer { span.end() }
        var event = event()
        tracer.inject(span.context, into: &event, using: CloudEventInjector())
        let message = event.kafkaMessage(topic: "clusters", key: "c1", mode: .structured)
        let json = String(decoding: message.value, as: UTF8.self)
        let published = try #require(tracer.traceHeaders(of: span.context).traceparent)
        #expect(json.contains(#""traceparent":"\#(published)""#))
        #expect(!message.headers.contains { $0.key.hasPrefix("ce_") })

        let decoded = try CloudEvent.decode(consumed(message))
        var context = ServiceContext.topLevel
        tracer.extract(decoded, into: &context, using: CloudEventExtractor())
        let child = tracer.startSpan("adapter", context: context)
        defer { child.end() }
        let continued = try parts(tracer.traceHeaders(of: child.context))
        #expect(continued[1] == Self.traceID)
    }

    @Test func kafkaHeadersInjectionReplacesAnEarlierValue() throws {
        let tracer = try localTracer()
        let span = tracer.startSpan("publish", context: .topLevel)
        defer { span.end() }
        var headers = [KafkaHeader(key: "ce_traceparent", string: Self.sampled), KafkaHeader(key: "ce_id", string: "1")]
        tracer.inject(span.context, into: &headers, using: KafkaHeadersInjector())
        #expect(headers.filter { $0.key == "ce_traceparent" }.count == 1)
        #expect(headers.contains { $0.key == "ce_id" })
        #expect(!String(decoding: headers.first { $0.key == "ce_traceparent" }!.value, as: UTF8.self).contains(Self.traceID))
    }

    @Test func aMalformedCeTraceparentStartsANewTrace() throws {
        let tracer = try localTracer()
        var event = event()
        event.extensions["traceparent"] = "00-not-a-trace-01"
        let decoded = try CloudEvent.decode(consumed(event.kafkaMessage(topic: "t", key: "k", mode: .binary)))
        var context = ServiceContext.topLevel
        tracer.extract(decoded, into: &context, using: CloudEventExtractor())
        #expect(tracer.traceHeaders(of: context) == TraceHeaders())
    }
}
