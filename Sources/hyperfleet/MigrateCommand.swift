import ArgumentParser
import Foundation
import HyperFleetAPI
import HyperFleetStore
import Logging

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply pending schema migrations and store the required-adapter lists.",
        discussion: "Safe to run from several replicas at once: an advisory lock serializes them."
    )

    @Option(name: .long, help: "Configuration file (default: config/api.yaml when present).")
    var config: String?

    @Option(name: .long, help: "libpq connection string or URI (overrides DATABASE_URL and the file).")
    var databaseURL: String?

    func run() async throws {
        var configuration = try APIConfiguration.load(
            file: Bootstrap.configPath(flag: config, defaultFile: "config/api.yaml"),
            environment: ProcessInfo.processInfo.environment)
        if let databaseURL { configuration.database.url = databaseURL }
        let logger = Bootstrap.telemetry(configuration.log, label: "hyperfleet.migrate").logger
        let database = ResourceDatabase(
            connectionString: configuration.database.url, poolSize: configuration.database.poolSize, connectTimeout: configuration.database.connectTimeout, logger: logger)
        do {
            let applied = try await database.prepare(
                clusterAdapters: configuration.requiredAdapters.clusters, nodePoolAdapters: configuration.requiredAdapters.nodepools,
                logger: logger)
            print(applied.isEmpty ? "schema is up to date" : "applied migrations: \(applied.map(String.init).joined(separator: ", "))")
        } catch {
            await database.close()
            throw error
        }
        await database.close()
    }
}
