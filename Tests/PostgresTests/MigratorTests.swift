import Postgres
import PostgresTestSupport
import Testing

@Suite struct MigratorTests {
    private let migrations = [
        Migration(version: 2, name: "add clusters status", sql: "ALTER TABLE clusters ADD COLUMN status text NOT NULL DEFAULT 'new'"),
        Migration(version: 1, name: "create clusters", sql: """
            CREATE TABLE clusters (id bigserial PRIMARY KEY, name text NOT NULL UNIQUE);
            CREATE INDEX clusters_name_idx ON clusters (name);
            """),
    ]

    @Test func appliesPendingMigrationsOnceInVersionOrder() async throws {
        try await withPool { pool, _ in
            let migrator = Migrator(pool: pool, logger: TestDatabase.silentLogger)
            #expect(try await migrator.appliedVersions() == [])
            #expect(try await migrator.migrate(migrations) == [1, 2])
            #expect(try await migrator.migrate(migrations) == [])
            #expect(try await migrator.appliedVersions() == [1, 2])
            _ = try await pool.query("INSERT INTO clusters (name) VALUES ('a')")
            #expect(try await pool.query("SELECT status FROM clusters").first?["status"] == "new")

            let third = Migration(version: 3, name: "add region", sql: "ALTER TABLE clusters ADD COLUMN region text")
            #expect(try await migrator.migrate(migrations + [third]) == [3])
            let recorded = try await pool.query("SELECT version, name, length(checksum) AS checksum_length, applied_at IS NOT NULL AS stamped FROM hyperfleet_schema_migrations ORDER BY version")
            #expect(recorded.map { $0["name"] } == ["create clusters", "add clusters status", "add region"])
            #expect(try recorded.allSatisfy { try $0.int("checksum_length") == 64 && $0.bool("stamped") })
        }
    }

    @Test func concurrentMigratorsApplyEachMigrationExactlyOnce() async throws {
        try await withPool { pool, connectionString in
            // Two "replicas", each with its own pool.
            let replica = PostgresPool(configuration: PostgresConfiguration(connectionString: connectionString), logger: TestDatabase.silentLogger)
            let slow = [Migration(version: 0, name: "slow start", sql: "SELECT pg_sleep(0.3); CREATE TABLE started (x int)")] + migrations
            async let first = Migrator(pool: pool, logger: TestDatabase.silentLogger).migrate(slow)
            async let second = Migrator(pool: replica, logger: TestDatabase.silentLogger).migrate(slow)
            let results = try await [first, second]
            await replica.close()
            #expect(results.flatMap { $0 }.sorted() == [0, 1, 2])
            #expect(results.contains([]))
            #expect(try await pool.query("SELECT count(*) AS n FROM hyperfleet_schema_migrations").first?.int("n") == 3)
        }
    }

    @Test func changedSQLOfAppliedMigrationIsRejected() async throws {
        try await withPool { pool, _ in
            let migrator = Migrator(pool: pool, logger: TestDatabase.silentLogger)
            _ = try await migrator.migrate(migrations)
            var edited = migrations
            edited[0].sql += " -- edited"
            let error = await #expect(throws: MigrationError.self) { try await migrator.migrate(edited) }
            #expect(error?.version == 2)
            #expect(error?.description.contains("add clusters status") == true)
            #expect(error?.description.contains("checksum") == true)
            // The advisory lock was released: a correct list still migrates (nothing to do).
            #expect(try await migrator.migrate(migrations) == [])
        }
    }

    @Test func failingMigrationIsRolledBackAndReported() async throws {
        try await withPool { pool, _ in
            let migrator = Migrator(pool: pool, logger: TestDatabase.silentLogger)
            let broken = Migration(version: 3, name: "broken", sql: "CREATE TABLE half_done (x int); SELECT no_such_function()")
            let error = await #expect(throws: MigrationError.self) { try await migrator.migrate(migrations + [broken]) }
            #expect(error?.version == 3)
            if case .failed(let cause) = error?.reason {
                #expect(cause.sqlState == "42883")
            } else {
                Issue.record("expected .failed, got \(String(describing: error?.reason))")
            }
            let applied = try await migrator.appliedVersions()
            #expect(applied == [1, 2])
            #expect(try await pool.query("SELECT to_regclass('half_done') IS NULL AS absent").first?.bool("absent") == true)
            let fixed = Migration(version: 3, name: "fixed", sql: "CREATE TABLE half_done (x int)")
            #expect(try await migrator.migrate(migrations + [fixed]) == [3])
        }
    }

    @Test func duplicateVersionsAreRejectedBeforeTouchingTheDatabase() async throws {
        try await withPool { pool, _ in
            let migrator = Migrator(pool: pool, logger: TestDatabase.silentLogger)
            let duplicate = migrations + [Migration(version: 1, name: "again", sql: "SELECT 1")]
            let error = await #expect(throws: MigrationError.self) { try await migrator.migrate(duplicate) }
            #expect(error?.version == 1)
            let applied = try await migrator.appliedVersions()
            #expect(applied == [])
        }
    }
}
