import ArgumentParser
import Foundation
import HyperFleetAPI
import HyperFleetOps
import Logging
import Metrics
import ServiceLifecycle

struct APICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api",
        abstract: "Serve the HyperFleet API (v1.0.1 plus extensions) with health and metrics endpoints."
    )

    @Option(name: .long, help: "Configuration file (default: config/api.yaml when present).")
    var config: String?

    @Option(name: .long, help: "Listen address of the API (overrides server.host).")
    var host: String?

    @Option(name: .long, help: "API port (overrides server.port).")
    var port: Int?

    @Option(name: .long, help: "libpq connection string or URI (overrides DATABASE_URL and the file).")
    var databaseURL: String?

    @Flag(name: .long, help: "Turn bearer-token checks off. Only for local development.")
    var noAuth = false

    @Flag(name: .long, help: "Apply migrations before serving.")
    var migrate = false

    @Flag(name: .long, help: "Print the effective configuration and exit.")
    var check = false

    @OptionGroup(title: "Tracing")
    var tracing: TracingOptions

    func run() async throws {
        var configuration = try APIConfiguration.load(
            file: Bootstrap.configPath(flag: config, defaultFile: "config/api.yaml"),
            environment: ProcessInfo.processInfo.environment, tracingOverrides: tracing.overrides)
        if let host { configuration.server.host = host }
        if let port { configuration.server.port = port }
        if let databaseURL { configuration.database.url = databaseURL }
        if noAuth { configuration.auth.enabled = false }
        if migrate { configuration.migrateOnStart = true }
        try configuration.validate()
        if check {
            print(configuration.summary)
            return
        }
        let telemetry = Bootstrap.telemetry(configuration.log, label: "hyperfleet.api")
        try await buildAPIServices(configuration: configuration, telemetry: telemetry).run(logger: telemetry.logger)
        telemetry.logger.info("hyperfleet api stopped")
    }
}
