import HyperFleetAuth
import Postgres

/// Everything the API process can be told, from `config/api.yaml`, `HYPERFLEET_*` variables and flags.
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
    /// Run `migrate` before serving (handy for one-replica setups and the dev stack).
    public var migrateOnStart = false

    public init() {}

    /// Reads a configuration. `environment` also supplies `DATABASE_URL`.
    public static func load(file: String?, environment: [String: String]) throws -> APIConfiguration {
        let reader = try ConfigReader(file: file, environment: environment)
        var configuration = APIConfiguration()
        var server = Server()
        server.host = try reader.string("server.host", default: server.host)
        server.port = try reader.int("server.port", default: server.port, range: 0...65535)
        server.healthPort = try reader.int("server.health_port", default: server.healthPort, range: 0...65535)
        server.metricsPort = try reader.int("server.metrics_port", default: server.metricsPort, range: 0...65535)
        server.maxBodyBytes = try reader.int("server.max_body_bytes", default: server.maxBodyBytes, range: 1024...(64 << 20))
        server.shutdownTimeout = try reader.duration("server.shutdown_timeout", default: server.shutdownTimeout)
        server.idleTimeout = try reader.duration("server.idle_timeout", default: server.idleTimeout, allowZero: true)
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

/// Where the database is and how many connections to use.
public struct DatabaseSettings: Sendable {
    /// libpq connection string or URI; empty means libpq's `PG*` environment variables.
    public var url = ""
    public var poolSize = 10
    public var connectTimeout: Duration = .seconds(3)

    public init() {}

    public var postgres: PostgresConfiguration {
        PostgresConfiguration(connectionString: url, poolSize: poolSize, connectTimeout: connectTimeout)
    }

    /// `database.url` from the file, overridden by `DATABASE_URL`, overridden by `HYPERFLEET_DATABASE_URL`.
    public static func read(_ reader: ConfigReader, environment: [String: String]) throws -> DatabaseSettings {
        var settings = DatabaseSettings()
        let fileOrPrefixed = try reader.optionalString("database.url")
        if environment[reader.environmentName("database.url")] == nil, let plain = environment["DATABASE_URL"], !plain.isEmpty {
            settings.url = plain
        } else {
            settings.url = fileOrPrefixed ?? ""
        }
        settings.poolSize = try reader.int("database.pool_size", default: settings.poolSize, range: 1...500)
        settings.connectTimeout = try reader.duration("database.connect_timeout", default: settings.connectTimeout)
        return settings
    }
}

/// Which adapters must report before a resource is Ready.
public struct RequiredAdapterSettings: Sendable, Equatable {
    public var clusters = ["validation", "dns", "pullsecret", "hypershift"]
    public var nodepools = ["validation", "hypershift"]

    public init() {}

    public static func read(_ reader: ConfigReader) throws -> RequiredAdapterSettings {
        var settings = RequiredAdapterSettings()
        settings.clusters = try reader.stringList("adapters.required.clusters", default: settings.clusters)
        settings.nodepools = try reader.stringList("adapters.required.nodepools", default: settings.nodepools)
        for (key, list) in [("adapters.required.clusters", settings.clusters), ("adapters.required.nodepools", settings.nodepools)] {
            if let bad = list.first(where: { !Names.isValidResourceName($0) }) {
                throw ConfigError(key: key, "adapter name '\(bad)' must be 3-63 lowercase letters, digits or '-'")
            }
        }
        return settings
    }
}

/// Log level and format (`text` for terminals, `json` lines for production).
public struct LogSettings: Sendable {
    public enum Format: String, Sendable { case text, json }
    public var level = "info"
    public var format = Format.text

    public init() {}

    public static func read(_ reader: ConfigReader) throws -> LogSettings {
        var settings = LogSettings()
        settings.level = try reader.string("log.level", default: settings.level).lowercased()
        let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
        guard levels.contains(settings.level) else {
            throw ConfigError(key: "log.level", "must be one of \(levels.joined(separator: ", ")), got '\(settings.level)'")
        }
        let format = try reader.string("log.format", default: settings.format.rawValue)
        guard let parsed = Format(rawValue: format) else { throw ConfigError(key: "log.format", "must be 'text' or 'json', got '\(format)'") }
        settings.format = parsed
        return settings
    }
}

import HyperFleetModel

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
            database:
              url: \(database.postgres.redactedDescription.isEmpty ? "(libpq PG* environment)" : database.postgres.redactedDescription)
              pool_size: \(database.poolSize)
              connect_timeout: \(DurationText.format(database.connectTimeout))
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
            migrate_on_start: \(migrateOnStart)
            """
    }
}
