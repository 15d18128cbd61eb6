import ArgumentParser
import Foundation
import HyperFleetOps
import Logging
import Metrics
import Sentinel

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

    @OptionGroup(title: "Tracing")
    var tracing: TracingOptions

    func run() async throws {
        var configuration = try SentinelConfiguration.load(
            file: Bootstrap.configPath(flag: config, defaultFile: "config/sentinel.yaml", environmentKey: "HYPERFLEET_SENTINEL_CONFIG"),
            environment: ProcessInfo.processInfo.environment, tracingOverrides: tracing.overrides)
        if !resourceTypes.isEmpty { configuration.resourceTypes = resourceTypes }
        if let kafkaBrokers { configuration.kafka.brokers = kafkaBrokers }
        if let databaseURL { configuration.database.url = databaseURL }
        try configuration.validate()
        if check {
            print(configuration.summary)
            return
        }
        let telemetry = Bootstrap.telemetry(configuration.log, label: "hyperfleet.sentinel")
        try await buildSentinelServices(configuration: configuration, telemetry: telemetry).run(logger: telemetry.logger)
    }
}
