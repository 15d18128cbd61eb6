/// The spec's `Error` response body.
public struct ErrorBody: Sendable, Equatable, Codable {
    /// The error id as a string, e.g. "8".
    public var id: String
    /// Always "Error".
    public var kind: String
    /// `/api/hyperfleet/v1/errors/<id>`
    public var href: String
    /// `hyperfleet-<id>`
    public var code: String
    /// Human-readable summary.
    public var reason: String
    /// Equals the `X-Operation-ID` response header.
    public var operationID: String
    /// Field-level problems; omitted when empty.
    public var details: [FieldError]?

    enum CodingKeys: String, CodingKey {
        case id, kind, href, code, reason, details
        case operationID = "operation_id"
    }

    /// The body describing `error` for the request `operationID`.
    public init(error: APIError, operationID: String) {
        let number = error.code.rawValue
        id = String(number)
        kind = "Error"
        href = Paths.error(number)
        code = "hyperfleet-\(number)"
        reason = error.reason
        self.operationID = operationID
        details = error.details.isEmpty ? nil : error.details
    }
}
