import Logging

/// Applies `Migration`s once per database, safely when several replicas start at the same time.
public struct Migrator: Sendable {
    private let pool: PostgresPool
    private let logger: Logger

    /// Session-level advisory lock key held while migrating ("HFMIGRAT" in ASCII).
    static let advisoryLockKey: Int64 = 0x4846_4D49_4752_4154
    static let table = "hyperfleet_schema_migrations"
    /// SHA-256 of the SQL text, hex, computed by the server so no crypto dependency is needed.
    static let checksumSQL = "encode(sha256(convert_to($1::text, 'UTF8')), 'hex')"

    /// Creates a migrator using connections from `pool`.
    public init(pool: PostgresPool, logger: Logger) {
        self.pool = pool
        self.logger = logger
    }

    /// Applies pending migrations in version order, each in its own transaction, recording them in
    /// `hyperfleet_schema_migrations`. Holds `pg_advisory_lock` meanwhile, so concurrent callers
    /// serialize. A recorded migration whose checksum differs -> error naming it. Returns the versions applied now.
    public func migrate(_ migrations: [Migration]) async throws -> [Int] {
        let ordered = migrations.sorted { $0.version < $1.version }
        for (previous, next) in zip(ordered, ordered.dropFirst()) where previous.version == next.version {
            throw MigrationError(reason: .duplicateVersion, version: next.version, name: next.name)
        }
        return try await pool.withConnection { connection in
            _ = try await connection.query("SELECT pg_advisory_lock($1)", [String(Self.advisoryLockKey)])
            do {
                let applied = try await applyPending(ordered, on: connection)
                _ = try await connection.query("SELECT pg_advisory_unlock($1)", [String(Self.advisoryLockKey)])
                return applied
            } catch {
                // If unlocking fails the session is broken, and the server drops the lock with it.
                _ = try? await connection.query("SELECT pg_advisory_unlock($1)", [String(Self.advisoryLockKey)])
                throw error
            }
        }
    }

    /// Versions recorded as applied, ascending (empty if nothing was ever migrated).
    public func appliedVersions() async throws -> [Int] {
        try await pool.withConnection { connection in
            guard try await tableExists(connection) else { return [] }
            return try await recordedVersions(connection)
        }
    }

    private func applyPending(_ migrations: [Migration], on connection: PostgresConnection) async throws -> [Int] {
        try await connection.execute("""
            CREATE TABLE IF NOT EXISTS \(Self.table) (
                version int PRIMARY KEY,
                name text NOT NULL,
                checksum text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """)
        let recorded = Set(try await recordedVersions(connection))
        var appliedNow: [Int] = []
        for migration in migrations {
            if recorded.contains(migration.version) {
                try await verifyChecksum(of: migration, on: connection)
                continue
            }
            try await apply(migration, on: connection)
            appliedNow.append(migration.version)
        }
        return appliedNow
    }

    private func apply(_ migration: Migration, on connection: PostgresConnection) async throws {
        logger.info("applying migration", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
        do {
            try await connection.execute("BEGIN")
            try await connection.execute(migration.sql)
            _ = try await connection.query(
                "INSERT INTO \(Self.table) (version, name, checksum, applied_at) VALUES ($2::int, $3, \(Self.checksumSQL), now())",
                [migration.sql, String(migration.version), migration.name])
            try await connection.execute("COMMIT")
        } catch let error as PostgresError {
            try? await connection.execute("ROLLBACK")
            throw MigrationError(reason: .failed(error), version: migration.version, name: migration.name)
        }
    }

    private func verifyChecksum(of migration: Migration, on connection: PostgresConnection) async throws {
        let result = try await connection.query(
            "SELECT checksum = \(Self.checksumSQL) AS matches FROM \(Self.table) WHERE version = $2::int",
            [migration.sql, String(migration.version)])
        guard let row = result.first, try row.bool("matches") else {
            throw MigrationError(reason: .checksumMismatch, version: migration.version, name: migration.name)
        }
    }

    private func tableExists(_ connection: PostgresConnection) async throws -> Bool {
        let result = try await connection.query("SELECT to_regclass($1) IS NOT NULL AS present", [Self.table])
        return try result.first?.bool("present") ?? false
    }

    private func recordedVersions(_ connection: PostgresConnection) async throws -> [Int] {
        try await connection.query("SELECT version FROM \(Self.table) ORDER BY version").map { Int(try $0.int("version")) }
    }
}
