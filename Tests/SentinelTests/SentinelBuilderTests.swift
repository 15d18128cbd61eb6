import HyperFleetConfig
import HyperFleetOps
import HyperFleetTestSupport
import HyperFleetTracing
import Kafka
import Sentinel
import ServiceLifecycle
import Testing

@Suite("Sentinel: the process builder")
struct SentinelBuilderTests {
    /// What `hyperfleet sentinel` runs: built from a configuration, it publishes a new cluster's event,
    /// counts it in the metrics of the telemetry it was given (not the global metrics system), and
    /// stops on a graceful shutdown.
    @Test func builtServicesPublishAndCountThroughTheGivenMetrics() async throws {
        try await SentinelHarness.run { h in
            var configuration = SentinelConfiguration()
            configuration.database.url = h.databaseURL
            configuration.database.poolSize = 2
            configuration.kafka.brokers = h.kafka.bootstrapServers
            configuration.host = "127.0.0.1"
            configuration.healthPort = 0  // any free port
            configuration.metricsPort = 0  // no metrics server; the registry is read directly
            configuration.shutdownTimeout = .seconds(5)
            let telemetry = Telemetry.prometheus(logger: quietLogger)
            let process = try await buildSentinelServices(configuration: configuration, telemetry: telemetry)
            let group = ServiceGroup(services: process.services, logger: quietLogger)
            let running = Task { try await group.run() }

            let cluster = try await h.createCluster("built")
            let events = try await h.events.waitFor(1)
            #expect(events.first?.keyString == cluster.id)
            #expect(events.first?.reason == "created")
            #expect(events.first?.header("ce_traceparent") == nil, "tracing is off by default")
            let published = #"hyperfleet_sentinel_events_published_total{resource_type="clusters",reason="created"} 1"#
            var rendered = telemetry.renderMetrics()
            for _ in 0..<100 where !rendered.contains(published) {
                try await Task.sleep(for: .milliseconds(100))
                rendered = telemetry.renderMetrics()
            }
            #expect(rendered.contains(published), "\(rendered)")

            await group.triggerGracefulShutdown()
            try await running.value
            await process.cleanup()
        }
    }

    /// Tracing on: the builder gives the engine the Sentinel's own tracer, whose exporting services run
    /// first in the group, so the spans of the last look are flushed at shutdown.
    @Test func builtServicesTraceWhenTracingIsOnAndFlushAtShutdown() async throws {
        let receiver = try await OTLPReceiver.start()
        let stored = try #require(Traceparent(TracePropagationTests.createTrace))
        let published = try await SentinelHarness.run { h in
            var configuration = SentinelConfiguration()
            configuration.database.url = h.databaseURL
            configuration.database.poolSize = 2
            configuration.kafka.brokers = h.kafka.bootstrapServers
            configuration.host = "127.0.0.1"
            configuration.healthPort = 0
            configuration.metricsPort = 0
            configuration.shutdownTimeout = .seconds(5)
            configuration.tracing = try TracingSettings.read(
                try ConfigReader(
                    yaml: "tracing: {enabled: true, otlp_endpoint: '\(receiver.endpoint)', otlp_protocol: http/json}", environment: [:],
                    prefix: "HYPERFLEET_TEST"),
                environment: [:])
            // Written (with the writer's trace context) before the Sentinel starts: its first look takes it.
            let cluster = try await h.createCluster("traced")
            try await h.storeTrace(on: cluster.id, traceparent: TracePropagationTests.createTrace)
            let process = try await buildSentinelServices(configuration: configuration, telemetry: .prometheus(logger: quietLogger))
            let group = ServiceGroup(services: process.services, logger: quietLogger)
            let running = Task { try await group.run() }
            let event = try #require(try await h.events.waitFor(1).first)
            await group.triggerGracefulShutdown()
            try await running.value
            await process.cleanup()
            return try #require(Traceparent(event.header("ce_traceparent")))
        }
        try await receiver.stop()
        #expect(published.traceID == stored.traceID)
        let span = try #require(receiver.spans.first { $0.name == "sentinel publish" })
        #expect(span.service == "hyperfleet-sentinel")
        #expect(span.spanID == published.spanID && span.parentSpanID == stored.spanID)
        #expect(receiver.spans.contains { $0.name == "sentinel look" && $0.links.map(\.spanID) == [stored.spanID] })
    }

    @Test func invalidConfigurationIsRefusedBeforeAnythingStarts() async throws {
        var configuration = SentinelConfiguration()
        configuration.resourceTypes = []
        await #expect(throws: (any Error).self) {
            _ = try await buildSentinelServices(configuration: configuration, telemetry: .prometheus(logger: quietLogger))
        }
    }
}
