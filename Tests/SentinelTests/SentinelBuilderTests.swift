import HyperFleetOps
import HyperFleetTestSupport
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

    @Test func invalidConfigurationIsRefusedBeforeAnythingStarts() async throws {
        var configuration = SentinelConfiguration()
        configuration.resourceTypes = []
        await #expect(throws: (any Error).self) {
            _ = try await buildSentinelServices(configuration: configuration, telemetry: .prometheus(logger: quietLogger))
        }
    }
}
