import HyperFleetModel
import Postgres

/// What can go wrong in the store, in the store's own terms; the API maps each case to HTTP in one
/// place. No caller of the store sees a `PostgresError`.
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The resource (or its parent) does not exist.
    case notFound(String)
    /// The request contradicts stored state (a duplicate name, a resource being deleted, an older report).
    case conflict(String)
    /// A list parameter or search expression is not acceptable; `field` names the parameter.
    case invalid(String, field: String?)
    /// The database cannot be reached or did not answer in time; retrying later may succeed.
    case unavailable(String)
    /// A stored value could not be decoded.
    case corrupt(String)

    public var description: String {
        switch self {
        case .notFound(let reason), .conflict(let reason), .unavailable(let reason): return reason
        case .invalid(let reason, let field): return field.map { "\($0): \(reason)" } ?? reason
        case .corrupt(let what): return "stored value could not be decoded: \(what)"
        }
    }

    /// The store's error for a failure from below: database outages and timeouts become
    /// `unavailable`; everything else is passed on unchanged for the caller's log.
    static func translating(_ error: any Error) -> any Error {
        if let error = error as? PostgresError, error.isUnavailable || error.kind == .timeout {
            return StoreError.unavailable("the database is unavailable (\(error))")
        }
        return error
    }
}

extension ResourceStore {
    /// Runs one store operation, translating database failures into `StoreError`.
    func translatingErrors<T: Sendable>(_ operation: () async throws -> T) async throws -> T {
        do {
            return try await operation()
        } catch {
            throw StoreError.translating(error)
        }
    }
}
