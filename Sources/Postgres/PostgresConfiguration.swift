/// How to reach PostgreSQL and how to size and time the connection pool.
public struct PostgresConfiguration: Sendable {
    /// A libpq connection string: URI (`postgresql://user:pw@host:port/db?sslmode=...`) or key=value
    /// form; empty string means "use the standard PG* environment variables" (libpq does that itself).
    public var connectionString: String
    /// Maximum number of open connections (and of threads running blocking libpq calls).
    public var poolSize: Int
    /// Passed to libpq as `connect_timeout` unless the connection string sets it.
    public var connectTimeout: Duration
    /// How long `withConnection` waits for a free connection before failing with `.timeout`.
    public var acquireTimeout: Duration
    /// Reported to the server as `application_name` unless the connection string sets it.
    public var applicationName: String
    /// Per-session `statement_timeout`; nil leaves the server default.
    public var statementTimeout: Duration?

    /// Creates a configuration; only the connection string is required.
    public init(
        connectionString: String,
        poolSize: Int = 10,
        connectTimeout: Duration = .seconds(3),
        acquireTimeout: Duration = .seconds(5),
        applicationName: String = "hyperfleet",
        statementTimeout: Duration? = nil
    ) {
        self.connectionString = connectionString
        self.poolSize = poolSize
        self.connectTimeout = connectTimeout
        self.acquireTimeout = acquireTimeout
        self.applicationName = applicationName
        self.statementTimeout = statementTimeout
    }

    /// The connection string with any password removed (for logs).
    public var redactedDescription: String {
        if connectionString.isEmpty { return "(PG* environment defaults)" }
        guard let options = try? LibPQConnectionInfo.parse(connectionString) else {
            return "(unparseable connection string)"
        }
        return LibPQConnectionInfo.render(options.filter { $0.key != "password" })
    }

    /// Returns `connectionString` pointing at database `name` instead (key=value form).
    public static func connectionString(_ base: String, replacingDatabaseWith name: String) throws -> String {
        var options = try LibPQConnectionInfo.parse(base).filter { $0.key != "dbname" }
        options.append((key: "dbname", value: name))
        return LibPQConnectionInfo.render(options)
    }

    /// `connect_timeout` in whole seconds, rounded up (libpq only accepts integers).
    var connectTimeoutSeconds: Int {
        let milliseconds = connectTimeout.milliseconds
        return max(1, Int((milliseconds + 999) / 1000))
    }

    /// Statements run on every new session so all code sees the same time zone and date format.
    var sessionSetupSQL: String {
        var sql = "SET TimeZone TO 'UTC'; SET DateStyle TO 'ISO'"
        if let statementTimeout {
            sql += "; SET statement_timeout TO \(max(1, statementTimeout.milliseconds))"
        }
        return sql
    }
}

extension Duration {
    /// Whole milliseconds (truncated), for libpq/PostgreSQL settings.
    var milliseconds: Int64 {
        let parts = components
        return parts.seconds * 1000 + parts.attoseconds / 1_000_000_000_000_000
    }
}
