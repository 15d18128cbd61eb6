import ArgumentParser
import Foundation
import HyperFleetAdapter
import HyperFleetConfig
import HyperFleetOps
import Logging
import ServiceLifecycle

struct AdapterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "adapter",
        abstract: "Run the reference adapter: consume reconcile events and report simulated work to the API.",
        discussion: """
            One process per adapter name and resource type, e.g. \
            `hyperfleet adapter --config config/adapters/clusters-validation.yaml`. A resource's \
            spec.simulate.<adapter> (succeed, reject, fail, silent, slow, crash) overrides the file's behaviour.
            """
    )

    @Option(name: .long, help: "Adapter configuration file (or HYPERFLEET_ADAPTER_CONFIG), e.g. config/adapters/clusters-validation.yaml.")
    var config: String?

    @Option(name: .long, help: "HyperFleet API base URL (overrides api.url).")
    var apiURL: String?

    @Option(name: .long, help: "Kafka bootstrap servers (overrides kafka.brokers).")
    var kafkaBrokers: String?

    @Flag(name: .long, help: "Validate and print the effective configuration, then exit.")
    var check = false

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        guard let file = config ?? environment["HYPERFLEET_ADAPTER_CONFIG"].flatMap({ $0.isEmpty ? nil : $0 }) else {
            throw ValidationError("--config is required (for example config/adapters/clusters-validation.yaml)")
        }
        var configuration = try AdapterConfiguration.load(file: file, environment: environment)
        if let apiURL { configuration.api.url = apiURL }
        if let kafkaBrokers { configuration.kafka.brokers = kafkaBrokers }
        try configuration.validate()
        if check {
            print(configuration.summary)
            return
        }
        let registry = Bootstrap.observability(configuration.log)
        try await AdapterProcess.run(configuration, metricsText: { registry.emitToString() })
    }
}

/// Wires one adapter process: the adapter service, health and metrics servers, SIGTERM.
enum AdapterProcess {
    static func run(_ configuration: AdapterConfiguration, metricsText: @escaping @Sendable () -> String) async throws {
        let logger = Logger(label: "hyperfleet.adapter")
        let adapter = AdapterService(configuration: configuration, logger: logger, exitOnCrash: true)
        let readiness = Readiness {
            ["api": await adapter.isAPIReachable(), "kafka_consumer": adapter.isConsuming]
        }
        let health = buildHealthApplication(
            host: configuration.host, port: configuration.healthPort, readiness: readiness, logger: logger)
        let metrics = buildMetricsApplication(
            host: configuration.host, port: configuration.metricsPort, render: metricsText, logger: logger)
        var groupConfiguration = ServiceGroupConfiguration(
            services: [
                .init(service: health), .init(service: metrics), .init(service: adapter),
                .init(service: ReadinessShutdownService(readiness: readiness)),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        groupConfiguration.maximumGracefulShutdownDuration = configuration.api.timeout + .seconds(5)
        logger.info("hyperfleet adapter starting", metadata: [
            "adapter": "\(configuration.name)", "resource_type": "\(configuration.resourceType.rawValue)",
            "health": "\(configuration.host):\(configuration.healthPort)",
            "metrics": "\(configuration.host):\(configuration.metricsPort)",
        ])
        try await ServiceGroup(configuration: groupConfiguration).run()
    }
}
