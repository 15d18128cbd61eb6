/// The error ids of CONTRACT "Errors", each with its HTTP status.
public enum APIErrorCode: Int, Sendable, CaseIterable {
    case conflict = 6
    case notFound = 7
    case validation = 8
    case internalError = 9
    case methodNotAllowed = 10
    case forbidden = 11
    case unauthorized = 15
    case malformedBody = 17
    case badQuery = 21
    case payloadTooLarge = 22
    case unsupportedMediaType = 23
    case unavailable = 24

    /// The HTTP status code sent with this error.
    public var httpStatus: Int {
        switch self {
        case .conflict: return 409
        case .notFound: return 404
        case .validation, .malformedBody, .badQuery: return 400
        case .internalError: return 500
        case .methodNotAllowed: return 405
        case .forbidden: return 403
        case .unauthorized: return 401
        case .payloadTooLarge: return 413
        case .unsupportedMediaType: return 415
        case .unavailable: return 503
        }
    }
}

/// One problem with one input field.
public struct FieldError: Sendable, Hashable, Codable {
    /// Path of the field, e.g. `name`, `labels.team`, `conditions[1].status`.
    public var field: String
    /// What is wrong with it.
    public var error: String

    /// Creates a field error.
    public init(field: String, error: String) {
        self.field = field
        self.error = error
    }
}

/// A failure the API reports to the client.
public struct APIError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Which row of the error table.
    public var code: APIErrorCode
    /// Human-readable summary.
    public var reason: String
    /// Field-level problems (validation errors).
    public var details: [FieldError]

    /// Creates an error with a code, a reason and optional field details.
    public init(_ code: APIErrorCode, _ reason: String, details: [FieldError] = []) {
        self.code = code
        self.reason = reason
        self.details = details
    }

    public var description: String {
        let fields = details.map { "\($0.field): \($0.error)" }.joined(separator: "; ")
        return "hyperfleet-\(code.rawValue) (\(code.httpStatus)): \(reason)" + (fields.isEmpty ? "" : " [\(fields)]")
    }
}
