import HyperFleetOps
import HyperFleetTracing
import Kafka
import Postgres
import ServiceLifecycle

/// The Sentinel process: its pool, producer (and topics, when asked to create them), engine, the
/// health and metrics servers, and the loop, as services for one `ServiceGroup`. The executable, the
/// dev stack and the tests all build the Sentinel through this.
public func buildSentinelServices(configuration: SentinelConfiguration, telemetry: Telemetry) async throws -> ProcessServices {
    try configuration.validate()
    let logger = telemetry.logger
    // Its own tracer (the dev stack runs the Sentinel beside other components); the exporting services run
    // first in the group, so they stop last and flush what the looks in progress still record.
    let (tracer, tracingServices) = try makeTracer(
        settings: configuration.tracing, serviceName: "hyperfleet-sentinel", logger: logger, shutdownTimeout: configuration.shutdownTimeout)
    var properties = configuration.kafka.properties
    if properties["message.timeout.ms"] == nil {
        properties["message.timeout.ms"] = String(SentinelConfiguration.defaultMessageTimeoutMilliseconds)
    }
    let producer = try KafkaProducer(
        configuration: KafkaProducerConfiguration(bootstrapServers: configuration.kafka.brokers, properties: properties), logger: logger)
    let settings = configuration.engineSettings
    if configuration.kafka.createTopics {
        do {
            try await producer.createTopics(
                Array(settings.topics.values) + [settings.alertsTopic], partitions: Int32(configuration.kafka.partitions),
                replicationFactor: Int16(configuration.kafka.replicationFactor), timeout: .seconds(10))
        } catch {
            logger.warning("could not create topics; continuing (they may exist or be auto-created)", metadata: ["error": "\(error)"])
        }
    }
    let pool = PostgresPool(configuration: configuration.database.postgres, logger: logger)
    let engine = SentinelEngine(
        pool: pool, producer: producer, settings: settings, logger: logger, metricsFactory: telemetry.metricsFactory,
        tracer: configuration.tracing.enabled ? tracer : nil)
    let readiness = Readiness {
        async let database = pool.ping()
        async let broker = producer.isBrokerReachable(timeout: .seconds(2))
        return ["database": await database, "kafka": await broker]
    }
    let sentinel = SentinelService(
        engine: engine, listenConfiguration: configuration.database.postgres, pollInterval: configuration.pollInterval,
        staleCheckInterval: configuration.staleCheckInterval, shutdownTimeout: configuration.shutdownTimeout,
        historyTrimInterval: configuration.historyTrimInterval)
    var services: [any Service] = tracingServices
    services.append(buildHealthApplication(host: configuration.host, port: configuration.healthPort, readiness: readiness, logger: logger))
    if configuration.metricsPort != 0 {
        services.append(
            buildMetricsApplication(host: configuration.host, port: configuration.metricsPort, render: telemetry.renderMetrics, logger: logger))
    }
    services += [sentinel, ReadinessShutdownService(readiness: readiness)]
    // The loop finishes its look within shutdown_timeout; the servers need a moment more to close.
    return ProcessServices(services: services, shutdownTimeout: configuration.shutdownTimeout + .seconds(5)) { await pool.close() }
}
