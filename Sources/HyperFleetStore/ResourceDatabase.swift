import Logging
import Postgres
import Tracing

/// The database behind the store, for the process that serves it: opened from a libpq connection
/// string, migrated, checked for readiness, measured and closed, without the caller seeing the pool.
public struct ResourceDatabase: Sendable {
    let pool: PostgresPool
    /// The connection target with any password removed, for logs.
    public let redactedDescription: String

    /// Connection numbers of the pool, for gauges.
    public struct PoolStatistics: Sendable {
        public var open: Int
        public var idle: Int
        public var inUse: Int
        public var waiting: Int
    }

    /// `connectionString` empty means libpq's `PG*` environment variables.
    public init(connectionString: String, poolSize: Int, connectTimeout: Duration, logger: Logger) {
        let configuration = PostgresConfiguration(connectionString: connectionString, poolSize: poolSize, connectTimeout: connectTimeout)
        pool = PostgresPool(configuration: configuration, logger: logger)
        redactedDescription = configuration.redactedDescription
    }

    /// Applies pending migrations and stores the required-adapter lists; returns the versions applied now.
    @discardableResult
    public func prepare(clusterAdapters: [String], nodePoolAdapters: [String], logger: Logger) async throws -> [Int] {
        do {
            return try await Schema.prepare(pool: pool, clusterAdapters: clusterAdapters, nodePoolAdapters: nodePoolAdapters, logger: logger)
        } catch {
            throw StoreError.translating(error)
        }
    }

    /// The store over this database; `tracer` (nil or the no-op tracer: none) makes its spans.
    public func makeStore(logger: Logger, tracer: (any Tracer)? = nil) -> ResourceStore {
        ResourceStore(pool: pool, logger: logger, tracer: tracer)
    }

    /// True when a connection answers a trivial query.
    public func isReachable() async -> Bool {
        await pool.ping()
    }

    public var statistics: PoolStatistics {
        let statistics = pool.statistics
        return PoolStatistics(open: statistics.open, idle: statistics.idle, inUse: statistics.inUse, waiting: statistics.waiting)
    }

    public func close() async {
        await pool.close()
    }
}
