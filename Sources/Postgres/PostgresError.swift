/// An error from the database layer. `message` is for logs; never show it to HTTP clients.
public struct PostgresError: Error, Sendable, CustomStringConvertible {
    /// Broad category of failure.
    public enum Kind: Sendable {
        case connection, server, timeout, poolClosed, decoding
    }

    public var kind: Kind
    /// SQLSTATE code, e.g. "23505" unique violation, "40P01" deadlock.
    public var sqlState: String?
    /// Primary message (for logs only).
    public var message: String
    public var detail: String?
    /// PG_DIAG_CONSTRAINT_NAME, when the server reports one.
    public var constraint: String?

    /// Creates an error; normally only the library does this.
    public init(
        kind: Kind, message: String, sqlState: String? = nil, detail: String? = nil, constraint: String? = nil
    ) {
        self.kind = kind
        self.message = message
        self.sqlState = sqlState
        self.detail = detail
        self.constraint = constraint
    }

    /// True when the database cannot be reached (connection refused/lost, timeout, 57P01 admin shutdown, 08*).
    public var isUnavailable: Bool {
        switch kind {
        case .connection, .timeout: return true
        case .server, .poolClosed, .decoding: break
        }
        guard let sqlState else { return false }
        // 57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now; class 08 = connection exception.
        return ["57P01", "57P02", "57P03"].contains(sqlState) || sqlState.hasPrefix("08")
    }

    /// True for 23505 (unique_violation).
    public var isUniqueViolation: Bool { sqlState == "23505" }

    /// True for failures where re-running the whole transaction may succeed (40001, 40P01).
    public var isTransactionRetryable: Bool { sqlState == "40001" || sqlState == "40P01" }

    public var description: String {
        var text = "PostgreSQL \(kind) error"
        if let sqlState { text += " [\(sqlState)]" }
        text += ": \(message)"
        if let detail { text += " (detail: \(detail))" }
        if let constraint { text += " (constraint: \(constraint))" }
        return text
    }

    static let poolClosed = PostgresError(kind: .poolClosed, message: "the connection pool is closed")
}
