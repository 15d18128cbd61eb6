import Hummingbird
import HyperFleetAuth
import HyperFleetOps
import HyperFleetStore
import HyperFleetTracing
import Logging
import Metrics
import ServiceLifecycle

/// Everything the API process runs, wired from its configuration: the tracer's exporter, the database
/// (migrated first when asked), auth, the API, health and metrics servers, the pool gauges and the
/// list-total folding. Services are in start order; shutdown runs in reverse (readiness flips first, then
/// the API drains, then the ops servers stop, and the tracer's exporter flushes last, within the shutdown
/// timeout), and the database closes after the group has ended.
public func buildAPIServices(configuration: APIConfiguration, telemetry: Telemetry) async throws -> ProcessServices {
    let logger = telemetry.logger
    let server = configuration.server
    // The API's own tracer (no global bootstrap: the dev stack runs several components in one process).
    // Its final flush starts after the requests drained and gets at most half of shutdown_timeout, so a
    // collector that does not answer costs the last spans, never the clean exit within shutdown_timeout.
    let tracing = try makeTracer(
        settings: configuration.tracing, serviceName: "hyperfleet-api", logger: logger, shutdownTimeout: server.shutdownTimeout / 2)
    let database = ResourceDatabase(
        connectionString: configuration.database.url, poolSize: configuration.database.poolSize,
        connectTimeout: configuration.database.connectTimeout, logger: logger)
    let authenticator: BearerAuthenticator?
    do {
        if configuration.migrateOnStart {
            try await database.prepare(
                clusterAdapters: configuration.requiredAdapters.clusters, nodePoolAdapters: configuration.requiredAdapters.nodepools,
                logger: logger)
        }
        if configuration.auth.enabled {
            authenticator = try await BearerAuthenticator(configuration: configuration.auth.authConfiguration, logger: logger)
        } else {
            authenticator = nil
            logger.warning("AUTHENTICATION IS OFF: every request is accepted without a token. Never run this way outside local development.")
        }
    } catch {
        await database.close()
        throw error
    }

    var settings = APIServerSettings()
    settings.host = server.host
    settings.port = server.port
    settings.maxBodyBytes = server.maxBodyBytes
    settings.idleTimeout = server.idleTimeout == .zero ? nil : server.idleTimeout
    settings.maxConnections = server.maxConnections
    settings.adapterWriteClaim = configuration.auth.adapterWriteClaim
    settings.resourceWriteClaim = configuration.auth.resourceWriteClaim

    let readiness = Readiness { ["database": await database.isReachable()] }
    let store = database.makeStore(logger: logger, tracer: tracing.tracer)
    let api = buildAPIApplication(
        store: store, authenticator: authenticator, settings: settings, logger: logger, metricsFactory: telemetry.metricsFactory,
        tracer: tracing.tracer)
    let health = buildHealthApplication(host: server.host, port: server.healthPort, readiness: readiness, logger: logger)
    let metrics = buildMetricsApplication(host: server.host, port: server.metricsPort, render: telemetry.renderMetrics, logger: logger)
    var services: [any Service] = tracing.services + [
        ClosureService("pool-gauges") { try await PoolGauges(factory: telemetry.metricsFactory).run(database: database) },
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
        // After the tracer's services, which stay first so that they stop last.
        services.insert(ClosureService("jwks-refresh") { await authenticator.runRefreshLoop() }, at: tracing.services.count)
    }
    logger.info("hyperfleet api configured", metadata: [
        "api": "\(server.host):\(server.port)", "health": "\(server.host):\(server.healthPort)",
        "metrics": "\(server.host):\(server.metricsPort)", "database": "\(database.redactedDescription)",
        "tracing": "\(configuration.tracing.destination)",
    ])
    return ProcessServices(services: services, shutdownTimeout: server.shutdownTimeout, cleanup: { await database.close() })
}

/// Database pool gauges, refreshed every second.
struct PoolGauges {
    let open: Gauge
    let idle: Gauge
    let inUse: Gauge
    let waiting: Gauge

    init(factory: any MetricsFactory) {
        open = Gauge(label: "hyperfleet_db_pool_connections", dimensions: [("state", "open")], factory: factory)
        idle = Gauge(label: "hyperfleet_db_pool_connections", dimensions: [("state", "idle")], factory: factory)
        inUse = Gauge(label: "hyperfleet_db_pool_connections", dimensions: [("state", "in_use")], factory: factory)
        waiting = Gauge(label: "hyperfleet_db_pool_waiting_requests", factory: factory)
    }

    func run(database: ResourceDatabase) async throws {
        while !Task.isCancelled {
            let statistics = database.statistics
            open.record(statistics.open)
            idle.record(statistics.idle)
            inUse.record(statistics.inUse)
            waiting.record(statistics.waiting)
            try await Task.sleep(for: .seconds(1))
        }
    }
}
