import Logging
import Metrics
import Prometheus
import ServiceLifecycle

/// Where a process role sends its logs and metrics; handed to each role's builder
/// (`buildAPIServices`, `buildSentinelServices`, `buildAdapterServices`) with its configuration, so
/// that several roles can share one process (the dev stack, the tests) without a global bootstrap.
public struct Telemetry: Sendable {
    public var logger: Logger
    /// Every metric the role creates is made through this factory.
    public var metricsFactory: any MetricsFactory
    /// The Prometheus text of those metrics, served at `/metrics`.
    public var renderMetrics: @Sendable () -> String

    public init(logger: Logger, metricsFactory: any MetricsFactory, renderMetrics: @escaping @Sendable () -> String) {
        self.logger = logger
        self.metricsFactory = metricsFactory
        self.renderMetrics = renderMetrics
    }

    /// A role with a Prometheus registry of its own.
    public static func prometheus(logger: Logger) -> Telemetry {
        let registry = PrometheusCollectorRegistry()
        return Telemetry(
            logger: logger, metricsFactory: PrometheusMetricsFactory(registry: registry),
            renderMetrics: { registry.emitToString() })
    }
}

/// What a role's builder returns: the services for one `ServiceGroup` in start order (shutdown runs in
/// reverse), how long a graceful shutdown may take, and what to release after the group has ended.
public struct ProcessServices: Sendable {
    public var services: [any Service]
    public var shutdownTimeout: Duration
    /// Runs once after the group ended, also when it ended with an error (for example closing a pool).
    public var cleanup: @Sendable () async -> Void

    public init(services: [any Service], shutdownTimeout: Duration, cleanup: @escaping @Sendable () async -> Void = {}) {
        self.services = services
        self.shutdownTimeout = shutdownTimeout
        self.cleanup = cleanup
    }

    /// Runs the services in one group; SIGTERM and SIGINT start the graceful shutdown.
    public func run(logger: Logger) async throws {
        var configuration = ServiceGroupConfiguration(
            services: services.map { .init(service: $0) }, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        configuration.maximumGracefulShutdownDuration = shutdownTimeout
        do {
            try await ServiceGroup(configuration: configuration).run()
        } catch {
            await cleanup()
            throw error
        }
        await cleanup()
    }
}
