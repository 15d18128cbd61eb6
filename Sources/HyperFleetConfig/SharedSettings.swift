import HyperFleetModel
import Postgres

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

extension DatabaseSettings {
    /// The `database:` block of a `--check` summary, with any password redacted.
    public var summary: String {
        let url = postgres.redactedDescription
        return """
            database:
              url: \(url.isEmpty ? "(libpq PG* environment)" : url)
              pool_size: \(poolSize)
              connect_timeout: \(DurationText.format(connectTimeout))
            """
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
