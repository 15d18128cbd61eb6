import ArgumentParser
import Foundation
import HyperFleetAdapter
import HyperFleetConfig
import HyperFleetOps
import Logging

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

    @OptionGroup(title: "Tracing")
    var tracing: TracingOptions

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        guard let file = config ?? environment["HYPERFLEET_ADAPTER_CONFIG"].flatMap({ $0.isEmpty ? nil : $0 }) else {
            throw ValidationError("--config is required (for example config/adapters/clusters-validation.yaml)")
        }
        var configuration = try AdapterConfiguration.load(file: file, environment: environment, tracingOverrides: tracing.overrides)
        if let apiURL { configuration.api.url = apiURL }
        if let kafkaBrokers { configuration.kafka.brokers = kafkaBrokers }
        try configuration.validate()
        if check {
            print(configuration.summary)
            return
        }
        let telemetry = Bootstrap.telemetry(configuration.log, label: "hyperfleet.adapter")
        let services = try await buildAdapterServices(configuration: configuration, telemetry: telemetry)
        try await services.run(logger: telemetry.logger)
    }
}
