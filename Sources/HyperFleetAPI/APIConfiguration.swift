import HyperFleetAuth
import HyperFleetConfig
import HyperFleetTracing

/// Everything the API process can be told, from `config/api.yaml`, `HYPERFLEET_API_*` variables (the
/// log settings and the database URL: the shared `HYPERFLEET_*` ones) and flags.
public struct APIConfiguration: Sendable {
    public struct Server: Sendable {
        public var host = "0.0.0.0"
        public var port = 8000
        public var healthPort = 8080
        public var metricsPort = 9090
        public var maxBodyBytes = 1_048_576
        public var shutdownTimeout: Duration = .seconds(10)
        /// A connection with no request for this long, or whose request stops arriving for this long, is
        /// closed; zero keeps connections open until the client closes them.
        public var idleTimeout: Duration = .seconds(75)
        /// Connections served at once; beyond it the listener stops accepting until one closes.
        public var maxConnections = 1000
    }

    public struct Auth: Sendable {
        public var enabled = true
        public var jwksFile: String?
        public var jwksURL: String?
        public var issuer: String?
        public var audience: [String] = []
        public var leeway: Duration = .seconds(30)
        public var refreshInterval: Duration = .seconds(300)
        public var adapterWriteClaim: ClaimRequirement?
        public var resourceWriteClaim: ClaimRequirement?

        public var authConfiguration: AuthConfiguration {
            var configuration = AuthConfiguration()
            configuration.jwksFile = jwksFile
            configuration.jwksURL = jwksURL
            configuration.issuer = issuer
            configuration.audience = audience
            configuration.leewaySeconds = Int(leeway.components.seconds)
            configuration.refreshInterval = refreshInterval
            return configuration
        }
    }

    public var server = Server()
    public var database = DatabaseSettings()
    public var auth = Auth()
    public var requiredAdapters = RequiredAdapterSettings()
    public var log = LogSettings()
    /// `tracing:`: spans and W3C trace-context propagation (off by default).
    public var tracing = TracingSettings()
    /// Run `migrate` before serving (handy for one-replica setups and the dev stack).
    public var migrateOnStart = false

    public init() {}

    /// The prefix of the API's own environment variables (`HYPERFLEET_API_SERVER_PORT`, ...).
    public static let environmentPrefix = "HYPERFLEET_API"

    /// Reads a configuration. `environment` also supplies `DATABASE_URL` and the `OTEL_*` variables;
    /// `tracingOverrides` are the command line's tracing flags.
    public static func load(
        file: String?, environment: [String: String], tracingOverrides: TracingSettings.Overrides = .init()
    ) throws -> APIConfiguration {
        let reader = try ConfigReader(file: file, environment: environment, prefix: environmentPrefix)
        var configuration = APIConfiguration()
        var server = Server()
        server.host = try reader.string("server.host", default: server.host)
        server.port = try reader.int("server.port", default: server.port, range: 0...65535)
        server.healthPort = try reader.int("server.health_port", default: server.healthPort, range: 0...65535)
        server.metricsPort = try reader.int("server.metrics_port", default: server.metricsPort, range: 0...65535)
        server.maxBodyBytes = try reader.int("server.max_body_bytes", default: server.maxBodyBytes, range: 1024...(64 << 20))
        server.shutdownTimeout = try reader.duration("server.shutdown_timeout", default: server.shutdownTimeout)
        server.idleTimeout = try reader.duration("server.idle_timeout", default: server.idleTimeout, allowZero: true)
        server.maxConnections = try reader.int("server.max_connections", default: server.maxConnections, range: 1...1_000_000)
        configuration.server = server
        configuration.database = try DatabaseSettings.read(reader, environment: environment)

        var auth = Auth()
        auth.enabled = try reader.bool("auth.enabled", default: true)
        auth.jwksFile = try reader.optionalString("auth.jwks_file").flatMap { $0.isEmpty ? nil : $0 }
        auth.jwksURL = try reader.optionalString("auth.jwks_url").flatMap { $0.isEmpty ? nil : $0 }
        auth.issuer = try reader.optionalString("auth.issuer").flatMap { $0.isEmpty ? nil : $0 }
        auth.audience = try reader.stringList("auth.audience", default: [])
        auth.leeway = try reader.duration("auth.leeway", default: auth.leeway, allowZero: true)
        if auth.leeway > .seconds(60) { throw ConfigError(key: "auth.leeway", "must be at most 60s") }
        auth.refreshInterval = try reader.duration("auth.refresh_interval", default: auth.refreshInterval)
        auth.adapterWriteClaim = try claim(reader, "auth.adapter_write_claim")
        auth.resourceWriteClaim = try claim(reader, "auth.resource_write_claim")
        configuration.auth = auth
        configuration.requiredAdapters = try RequiredAdapterSettings.read(reader)
        configuration.log = try LogSettings.read(reader)
        configuration.tracing = try TracingSettings.read(reader, environment: environment, overrides: tracingOverrides)
        configuration.migrateOnStart = try reader.bool("migrate_on_start", default: false)
        try reader.rejectUnknownKeys()
        return configuration
    }

    /// Checks what only makes sense once flags are applied too; call before serving.
    public func validate() throws {
        if auth.enabled, (auth.jwksFile == nil) == (auth.jwksURL == nil) {
            throw ConfigError(
                key: "auth.jwks_file",
                "with auth enabled, set exactly one of auth.jwks_file and auth.jwks_url (or auth.enabled: false / --no-auth for local development)")
        }
    }

    private static func claim(_ reader: ConfigReader, _ key: String) throws -> ClaimRequirement? {
        let name = try reader.optionalString(key + ".claim")
        let value = try reader.optionalString(key + ".value")
        switch (name, value) {
        case (nil, nil): return nil
        case (let name?, let value?) where !name.isEmpty && !value.isEmpty: return ClaimRequirement(claim: name, value: value)
        default: throw ConfigError(key: key, "needs both 'claim' and 'value'")
        }
    }
}

extension APIConfiguration {
    /// The effective configuration as YAML-like text, secrets redacted (for `--check`).
    public var summary: String {
        func claim(_ requirement: ClaimRequirement?) -> String {
            requirement.map { "{claim: \($0.claim), value: \($0.value)}" } ?? "null"
        }
        return """
            server:
              host: \(server.host)
              port: \(server.port)
              health_port: \(server.healthPort)
              metrics_port: \(server.metricsPort)
              max_body_bytes: \(server.maxBodyBytes)
              shutdown_timeout: \(DurationText.format(server.shutdownTimeout))
              idle_timeout: \(DurationText.format(server.idleTimeout))
              max_connections: \(server.maxConnections)
            \(database.summary)
            auth:
              enabled: \(auth.enabled)
              jwks_file: \(auth.jwksFile ?? "null")
              jwks_url: \(auth.jwksURL ?? "null")
              issuer: \(auth.issuer ?? "null")
              audience: [\(auth.audience.joined(separator: ", "))]
              leeway: \(DurationText.format(auth.leeway))
              refresh_interval: \(DurationText.format(auth.refreshInterval))
              adapter_write_claim: \(claim(auth.adapterWriteClaim))
              resource_write_claim: \(claim(auth.resourceWriteClaim))
            adapters:
              required:
                clusters: [\(requiredAdapters.clusters.joined(separator: ", "))]
                nodepools: [\(requiredAdapters.nodepools.joined(separator: ", "))]
            log:
              level: \(log.level)
              format: \(log.format.rawValue)
            \(tracing.summary)
            migrate_on_start: \(migrateOnStart)
            """
    }
}
