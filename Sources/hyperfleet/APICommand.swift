import ArgumentParser
import Foundation
import Hummingbird
import HyperFleetAPI
import HyperFleetAuth
import HyperFleetConfig
import HyperFleetOps
import HyperFleetStore
import Logging
import Metrics
import Postgres
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

    func run() async throws {
        var configuration = try APIConfiguration.load(
            file: Bootstrap.configPath(flag: config, defaultFile: "config/api.yaml"),
            environment: ProcessInfo.processInfo.environment)
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
        let registry = Bootstrap.observability(configuration.log)
        try await APIServer(configuration: configuration, metricsText: { registry.emitToString() }).run()
    }
}

/// Wires the API process: pool, optional migrations, auth, the three servers, and shutdown order.
struct APIServer {
    let configuration: APIConfiguration
    let metricsText: @Sendable () -> String

    /// The API's services in start order (shutdown runs in reverse: readiness flips first, then the
    /// API drains, then the ops servers stop). The caller closes the returned pool after the group ends.
    func services(logger: Logger) async throws -> (services: [any Service], pool: PostgresPool) {
        let pool = PostgresPool(configuration: configuration.database.postgres, logger: logger)
        if configuration.migrateOnStart {
            try await Schema.prepare(
                pool: pool, clusterAdapters: configuration.requiredAdapters.clusters,
                nodePoolAdapters: configuration.requiredAdapters.nodepools, logger: logger)
        }
        var authenticator: BearerAuthenticator?
        if configuration.auth.enabled {
            authenticator = try await BearerAuthenticator(configuration: configuration.auth.authConfiguration, logger: logger)
        } else {
            logger.warning("AUTHENTICATION IS OFF: every request is accepted without a token. Never run this way outside local development.")
        }
        var settings = APIServerSettings()
        settings.host = configuration.server.host
        settings.port = configuration.server.port
        settings.maxBodyBytes = configuration.server.maxBodyBytes
        settings.idleTimeout = configuration.server.idleTimeout == .zero ? nil : configuration.server.idleTimeout
        settings.adapterWriteClaim = configuration.auth.adapterWriteClaim
        settings.resourceWriteClaim = configuration.auth.resourceWriteClaim

        let readiness = Readiness { ["database": await pool.ping()] }
        let store = ResourceStore(pool: pool, logger: logger)
        let api = buildAPIApplication(store: store, authenticator: authenticator, settings: settings, logger: logger)
        let health = buildHealthApplication(
            host: configuration.server.host, port: configuration.server.healthPort, readiness: readiness, logger: logger)
        let metrics = buildMetricsApplication(
            host: configuration.server.host, port: configuration.server.metricsPort, render: metricsText, logger: logger)
        var services: [any Service] = [
            ClosureService("pool-gauges") { try await PoolGauges.run(pool: pool) },
            ClosureService("list-changes-fold") {
                while !Task.isCancelled {
                    try await Task.sleep(for: .seconds(60))
                    do { try await store.foldListChanges() } catch {
                        logger.debug("could not fold list change records; next try in a minute", metadata: ["error": "\(error)"])
                    }
                }
            },
            health, metrics, api,
            ReadinessShutdownService(readiness: readiness),
        ]
        if let authenticator {
            services.insert(ClosureService("jwks-refresh") { await authenticator.runRefreshLoop() }, at: 0)
        }
        return (services, pool)
    }

    func run() async throws {
        let logger = Logger(label: "hyperfleet.api")
        let (services, pool) = try await self.services(logger: logger)
        logger.info("hyperfleet api listening", metadata: [
            "api": "\(configuration.server.host):\(configuration.server.port)",
            "health": "\(configuration.server.host):\(configuration.server.healthPort)",
            "metrics": "\(configuration.server.host):\(configuration.server.metricsPort)",
            "database": "\(configuration.database.postgres.redactedDescription)",
        ])
        try await runGroup(services, shutdownTimeout: configuration.server.shutdownTimeout, logger: logger) { await pool.close() }
        logger.info("hyperfleet api stopped")
    }
}

/// Runs services in one group with SIGTERM/SIGINT as graceful shutdown, then `cleanup`, also on error.
func runGroup(
    _ services: [any Service], shutdownTimeout: Duration, logger: Logger, cleanup: () async -> Void
) async throws {
    var groupConfiguration = ServiceGroupConfiguration(
        services: services.map { .init(service: $0) }, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
    groupConfiguration.maximumGracefulShutdownDuration = shutdownTimeout
    do {
        try await ServiceGroup(configuration: groupConfiguration).run()
    } catch {
        await cleanup()
        throw error
    }
    await cleanup()
}

/// Database pool gauges, refreshed every second.
enum PoolGauges {
    static func run(pool: PostgresPool) async throws {
        let open = Gauge(label: "hyperfleet_db_pool_connections", dimensions: [("state", "open")])
        let idle = Gauge(label: "hyperfleet_db_pool_connections", dimensions: [("state", "idle")])
        let inUse = Gauge(label: "hyperfleet_db_pool_connections", dimensions: [("state", "in_use")])
        let waiting = Gauge(label: "hyperfleet_db_pool_waiting_requests")
        while !Task.isCancelled {
            let statistics = pool.statistics
            open.record(statistics.open)
            idle.record(statistics.idle)
            inUse.record(statistics.inUse)
            waiting.record(statistics.waiting)
            try await Task.sleep(for: .seconds(1))
        }
    }
}
