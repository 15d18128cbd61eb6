import ArgumentParser
import Foundation
import HyperFleetConfig
import HyperFleetOps
import Kafka
import Logging
import Postgres
import Sentinel
import ServiceLifecycle

struct SentinelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sentinel",
        abstract: "Publish reconcile events for clusters and nodepools to Kafka, and alert on stale adapters.",
        discussion: "Reads state from PostgreSQL (the API's database); several replicas share the work through claims."
    )

    @Option(name: .long, help: "Configuration file (default: config/sentinel.yaml when present).")
    var config: String?

    @Option(name: .customLong("resource-type"), help: "clusters or nodepools (repeatable; default: resource_types).")
    var resourceTypes: [String] = []

    @Option(name: .long, help: "Kafka bootstrap servers (overrides kafka.brokers).")
    var kafkaBrokers: String?

    @Option(name: .long, help: "libpq connection string or URI (overrides DATABASE_URL and the file).")
    var databaseURL: String?

    @Flag(name: .long, help: "Validate and print the effective configuration, then exit.")
    var check = false

    func run() async throws {
        var configuration = try SentinelConfiguration.load(
            file: Bootstrap.configPath(flag: config, defaultFile: "config/sentinel.yaml", environmentKey: "HYPERFLEET_SENTINEL_CONFIG"),
            environment: ProcessInfo.processInfo.environment)
        if !resourceTypes.isEmpty { configuration.resourceTypes = resourceTypes }
        if let kafkaBrokers { configuration.kafka.brokers = kafkaBrokers }
        if let databaseURL { configuration.database.url = databaseURL }
        try configuration.validate()
        if check {
            print(configuration.summary)
            return
        }
        let registry = Bootstrap.observability(configuration.log)
        try await SentinelProcess.run(configuration, metricsText: { registry.emitToString() })
    }
}

/// Wires the Sentinel process: pool, producer, topics, engine, ops servers, shutdown.
enum SentinelProcess {
    /// The Sentinel's services in start order, and the pool to close after the group ends.
    static func services(
        _ configuration: SentinelConfiguration, metricsText: @escaping @Sendable () -> String, logger: Logger
    ) async throws -> (services: [any Service], pool: PostgresPool) {
        let pool = PostgresPool(configuration: configuration.database.postgres, logger: logger)
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
        let engine = SentinelEngine(pool: pool, producer: producer, settings: settings, logger: logger)
        let readiness = Readiness {
            async let database = pool.ping()
            async let broker = producer.isBrokerReachable(timeout: .seconds(2))
            return ["database": await database, "kafka": await broker]
        }
        let sentinel = SentinelService(
            engine: engine, listenConfiguration: configuration.database.postgres, pollInterval: configuration.pollInterval,
            staleCheckInterval: configuration.staleCheckInterval, shutdownTimeout: configuration.shutdownTimeout)
        var services: [any Service] = [
            buildHealthApplication(host: configuration.host, port: configuration.healthPort, readiness: readiness, logger: logger)
        ]
        if configuration.metricsPort != 0 {
            services.append(buildMetricsApplication(host: configuration.host, port: configuration.metricsPort, render: metricsText, logger: logger))
        }
        services += [sentinel, ReadinessShutdownService(readiness: readiness)]
        return (services, pool)
    }

    static func run(_ configuration: SentinelConfiguration, metricsText: @escaping @Sendable () -> String) async throws {
        let logger = Logger(label: "hyperfleet.sentinel")
        let (services, pool) = try await self.services(configuration, metricsText: metricsText, logger: logger)
        try await runGroup(services, shutdownTimeout: configuration.shutdownTimeout + .seconds(5), logger: logger) { await pool.close() }
    }
}
