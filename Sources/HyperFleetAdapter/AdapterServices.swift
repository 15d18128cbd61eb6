import HyperFleetOps
import HyperFleetTracing
import Logging
import ServiceLifecycle
import Tracing

/// The services of one `hyperfleet adapter` process: the adapter, its health and metrics servers,
/// and readiness going false when shutdown starts. Every metric is created through
/// `telemetry.metricsFactory`. `exitOnCrash: false` makes the `crash` behaviour end the group with
/// `AdapterCrashError` instead of exiting the process (tests).
public func buildAdapterServices(
    configuration: AdapterConfiguration, telemetry: Telemetry, exitOnCrash: Bool = true
) async throws -> ProcessServices {
    try configuration.validate()
    let logger = telemetry.logger
    // Evaluations in flight may wait for one API request to time out.
    let shutdownTimeout = configuration.api.timeout + .seconds(5)
    let tracing = try makeAdapterTracer(configuration, logger: logger, shutdownTimeout: shutdownTimeout)
    let adapter = AdapterService(
        configuration: configuration, logger: logger, metricsFactory: telemetry.metricsFactory, exitOnCrash: exitOnCrash,
        tracer: tracing.tracer)
    let readiness = Readiness {
        ["api": await adapter.isAPIReachable(), "kafka_consumer": adapter.isConsuming]
    }
    let health = buildHealthApplication(
        host: configuration.host, port: configuration.healthPort, readiness: readiness, logger: logger)
    let metrics = buildMetricsApplication(
        host: configuration.host, port: configuration.metricsPort, render: telemetry.renderMetrics, logger: logger)
    logger.info("hyperfleet adapter starting", metadata: [
        "adapter": "\(configuration.name)", "resource_type": "\(configuration.resourceType.rawValue)",
        "health": "\(configuration.host):\(configuration.healthPort)",
        "metrics": "\(configuration.host):\(configuration.metricsPort)",
    ])
    // The exporting services first: they stop last and flush the spans of the evaluations that finish.
    return ProcessServices(
        services: tracing.services + [health, metrics, adapter, ReadinessShutdownService(readiness: readiness)],
        shutdownTimeout: shutdownTimeout)
}

/// The adapter's own tracer (service name `hyperfleet-adapter-<resource type>-<name>`; one per adapter,
/// also when several run in one process), nil when tracing is off, and its exporting services.
private func makeAdapterTracer(
    _ configuration: AdapterConfiguration, logger: Logger, shutdownTimeout: Duration
) throws -> (tracer: (any Tracer)?, services: [any Service]) {
    let made = try makeTracer(
        settings: configuration.tracing, serviceName: "hyperfleet-adapter-\(configuration.resourceType.rawValue)-\(configuration.name)",
        logger: logger, shutdownTimeout: shutdownTimeout)
    return (configuration.tracing.enabled ? made.tracer : nil, made.services)
}

/// Adapters run as tasks of a bigger process (the dev stack): no servers of their own, metrics in
/// the host's registry, and an adapter told to `crash` restarts after `restartDelay`.
public func buildEmbeddedAdapterServices(
    configurations: [AdapterConfiguration], telemetry: Telemetry, restartDelay: Duration = .seconds(1)
) throws -> [any Service] {
    var tracingServices: [any Service] = []
    var adapters: [any Service] = []
    for configuration in configurations {
        try configuration.validate()
        let tracing = try makeAdapterTracer(configuration, logger: telemetry.logger, shutdownTimeout: configuration.api.timeout + .seconds(5))
        tracingServices += tracing.services
        adapters.append(RestartingService(name: "adapter \(configuration.consumerGroup)", logger: telemetry.logger, delay: restartDelay) {
            AdapterService(
                configuration: configuration, logger: telemetry.logger, metricsFactory: telemetry.metricsFactory,
                exitOnCrash: false, tracer: tracing.tracer)
        })
    }
    // Each adapter's tracer outlives a restart; the exporters stop after every adapter.
    return tracingServices + adapters
}

/// Restarts a service that throws (an adapter told to `crash`) after `delay`, until shutdown.
public struct RestartingService: Service {
    let name: String
    let logger: Logger
    let delay: Duration
    let make: @Sendable () -> any Service

    public init(name: String, logger: Logger, delay: Duration, make: @escaping @Sendable () -> any Service) {
        self.name = name
        self.logger = logger
        self.delay = delay
        self.make = make
    }

    public func run() async throws {
        while !Task.isCancelled {
            do {
                try await make().run()
                return
            } catch {
                if Task.isCancelled { return }
                logger.warning("\(name) stopped with an error; restarting in \(delay)", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: delay)
            }
        }
    }
}
