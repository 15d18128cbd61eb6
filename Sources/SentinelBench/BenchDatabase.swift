import Foundation
import HyperFleetStore
import Logging
import Postgres
import SentinelCore
import HyperFleetModel

/// A throw-away database for one measurement, created and dropped through the admin URL.
struct BenchDatabase {
    let name: String
    let url: String
    let pool: PostgresPool
    let admin: String

    /// Creates `sentinel_bench_<label>_<random>` and migrates it (required adapters as given).
    static func create(admin: String, label: String, clusterAdapters: [String], logger: Logger) async throws -> BenchDatabase {
        let name = "sentinel_bench_\(label)_" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
        try await runAdmin(admin, "CREATE DATABASE \(name)", logger: logger)
        let url = try PostgresConfiguration.connectionString(admin, replacingDatabaseWith: name)
        let pool = PostgresPool(
            configuration: PostgresConfiguration(connectionString: url, poolSize: 4, connectTimeout: .seconds(20), acquireTimeout: .seconds(60),
                applicationName: "sentinel-bench"),
            logger: logger)
        try await Schema.prepare(pool: pool, clusterAdapters: clusterAdapters, nodePoolAdapters: ["validation", "hypershift"], logger: logger)
        return BenchDatabase(name: name, url: url, pool: pool, admin: admin)
    }

    /// Closes the pool and drops the database (unless `keep`).
    func drop(keep: Bool, logger: Logger) async {
        await pool.close()
        if keep {
            say("  (kept database \(name))")
            return
        }
        do { try await Self.runAdmin(admin, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)", logger: logger) } catch {
            say("  warning: could not drop \(name): \(error)")
        }
    }

    static func runAdmin(_ admin: String, _ sql: String, logger: Logger) async throws {
        _ = try await PostgresPool.runOnce(admin, sql, applicationName: "sentinel-bench-admin", logger: logger)
    }

    /// The server's version line, for the report.
    func serverVersion() async throws -> String {
        try await pool.query("SHOW server_version").first?["server_version"] ?? "?"
    }

    /// Whether pg_stat_statements can be used here (the server preloads it); creates the extension.
    func enableStatementStatistics() async -> Bool {
        do {
            _ = try await pool.query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
            _ = try await pool.query("SELECT pg_stat_statements_reset()")
            return true
        } catch {
            return false
        }
    }
}

/// A PostgreSQL text-array literal of plain ids (the bench's ids are hex: nothing to escape).
func textArray(_ ids: [String]) -> String { "{" + ids.joined(separator: ",") + "}" }

/// SQL for an instant, exact to the microsecond.
func sqlTimestamp(_ instant: Timestamp) -> String {
    "('epoch'::timestamptz + \(instant.microsecondsSinceEpoch) * interval '1 microsecond')"
}
