import Logging
import Metrics
import Prometheus
import ServiceLifecycle
import UnixSignals

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

    /// The services in one group; the given signals (none in tests) start the graceful shutdown.
    public func serviceGroup(logger: Logger, gracefulShutdownSignals: [UnixSignal] = [.sigterm, .sigint]) -> ServiceGroup {
        var configuration = ServiceGroupConfiguration(
            services: services.map { .init(service: $0) }, gracefulShutdownSignals: gracefulShutdownSignals, logger: logger)
        configuration.maximumGracefulShutdownDuration = shutdownTimeout
        return ServiceGroup(configuration: configuration)
    }

    /// Runs the services in one group; SIGTERM and SIGINT start the graceful shutdown. `cleanup` runs
    /// after the group has ended, also when it ended with an error.
    public func run(logger: Logger) async throws {
        do {
            try await serviceGroup(logger: logger).run()
        } catch {
            await cleanup()
            throw error
        }
        await cleanup()
    }

    /// Several roles in one group (the dev stack): services in the order given (so shutdown runs in
    /// reverse, one role after the other), the sum of their shutdown timeouts (with only the longest,
    /// a slow first role used up the time of the next ones and the group cancelled them), and every
    /// cleanup in reverse order.
    public static func combining(_ parts: [ProcessServices], extraShutdownTime: Duration = .zero) -> ProcessServices {
        ProcessServices(
            services: parts.flatMap(\.services),
            shutdownTimeout: parts.map(\.shutdownTimeout).reduce(.zero, +) + extraShutdownTime
        ) {
            for part in parts.reversed() { await part.cleanup() }
        }
    }
}
