/// One schema change, identified by a unique, increasing version.
public struct Migration: Sendable, Equatable {
    public var version: Int
    public var name: String
    /// One or more SQL statements, run inside a transaction.
    public var sql: String

    /// Creates a migration.
    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }
}

/// Why `Migrator.migrate` refused or failed.
public struct MigrationError: Error, Sendable, CustomStringConvertible {
    public enum Reason: Sendable {
        /// The SQL of an already applied migration was changed.
        case checksumMismatch
        /// Two migrations in the list share a version.
        case duplicateVersion
        /// The migration's SQL failed; it was rolled back.
        case failed(PostgresError)
    }

    public var reason: Reason
    public var version: Int
    public var name: String

    public var description: String {
        switch reason {
        case .checksumMismatch:
            return "migration \(version) (\(name)) was already applied with different SQL (checksum mismatch)"
        case .duplicateVersion:
            return "migration version \(version) (\(name)) appears more than once"
        case .failed(let error):
            return "migration \(version) (\(name)) failed and was rolled back: \(error)"
        }
    }
}
