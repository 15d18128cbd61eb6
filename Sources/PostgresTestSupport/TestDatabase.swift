import Logging
import Postgres

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a test database could not be prepared.
public struct TestDatabaseError: Error, CustomStringConvertible {
    public var description: String
}

/// Creates an isolated, throw-away database per test so tests can run in parallel.
public enum TestDatabase {
    /// Environment variable holding an admin (CREATE/DROP DATABASE) connection string.
    public static let environmentVariable = "HYPERFLEET_TEST_DATABASE_URL"

    /// A logger that discards output, for code under test.
    public static let silentLogger = Logger(label: "hyperfleet.tests", factory: { _ in SwiftLogNoOpLogHandler() })

    /// The admin connection string; fails with a clear error if the variable is unset.
    public static func adminConnectionString() throws -> String {
        guard let value = getenv(environmentVariable).map({ String(cString: $0) }), !value.isEmpty else {
            throw TestDatabaseError(description: """
                \(environmentVariable) is not set; export it to an admin connection string, e.g. \
                postgresql://postgres@127.0.0.1:54329/postgres
                """)
        }
        return value
    }

    /// Reads HYPERFLEET_TEST_DATABASE_URL (fails with a clear Error if unset), creates database
    /// `hf_test_<random>`, runs body with a connection string for it, drops it (WITH (FORCE)) afterwards,
    /// also when body throws.
    public static func withFresh<T: Sendable>(_ body: (String) async throws -> T) async throws -> T {
        let admin = try adminConnectionString()
        let name = "hf_test_" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
        try await runAdmin(admin, "CREATE DATABASE \(name)")
        let result: Result<T, Error>
        do {
            let connectionString = try PostgresConfiguration.connectionString(admin, replacingDatabaseWith: name)
            result = .success(try await body(connectionString))
        } catch {
            result = .failure(error)
        }
        try await runAdmin(admin, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
        return try result.get()
    }

    /// Makes the test database of `url` refuse new connections and ends every open one, waiting until
    /// their backends have exited (`pg_terminate_backend` only signals them: a backend not yet gone can
    /// still answer, and its session looks alive to a pool until its FATAL arrives); or, with
    /// `reachable`, accepts connections again. What a client sees when the database goes away.
    public static func setReachable(_ url: String, _ reachable: Bool) async throws {
        let admin = try adminConnectionString()
        guard let name = url.firstMatch(of: /hf_test_[0-9a-f]+/).map({ String($0.output) }) else {
            throw TestDatabaseError(description: "not a test database: \(url)")
        }
        try await runAdmin(admin, "ALTER DATABASE \(name) ALLOW_CONNECTIONS \(reachable)")
        guard !reachable else { return }
        try await runAdmin(admin, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '\(name)'")
        let deadline = ContinuousClock.now + .seconds(30)
        while true {
            let left = try await PostgresPool.runOnce(
                admin, "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1", [name], applicationName: "hf-test-admin",
                logger: silentLogger
            ).first?.int("n") ?? 0
            if left == 0 { return }
            guard ContinuousClock.now < deadline else {
                throw TestDatabaseError(description: "\(left) backend(s) of \(name) still running 30 s after pg_terminate_backend")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    private static func runAdmin(_ connectionString: String, _ sql: String) async throws {
        _ = try await PostgresPool.runOnce(connectionString, sql, applicationName: "hf-test-admin", logger: silentLogger)
    }
}
