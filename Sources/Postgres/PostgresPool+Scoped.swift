import Logging

extension PostgresPool {
    /// Runs `body` with a new pool that is closed afterwards, whether `body` returns or throws.
    public static func withPool<T: Sendable>(
        configuration: PostgresConfiguration, logger: Logger, _ body: (PostgresPool) async throws -> T
    ) async throws -> T {
        let pool = PostgresPool(configuration: configuration, logger: logger)
        do {
            let value = try await body(pool)
            await pool.close()
            return value
        } catch {
            await pool.close()
            throw error
        }
    }

    /// Runs one statement on a short-lived session of its own (administration: create or drop a
    /// database, end another session).
    public static func runOnce(
        _ connectionString: String, _ sql: String, _ parameters: [String?] = [], applicationName: String, logger: Logger
    ) async throws -> PostgresResult {
        let configuration = PostgresConfiguration(
            connectionString: connectionString, poolSize: 1, connectTimeout: .seconds(20), applicationName: applicationName)
        return try await withPool(configuration: configuration, logger: logger) { try await $0.query(sql, parameters) }
    }
}
