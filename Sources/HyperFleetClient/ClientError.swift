import HyperFleetJSON

/// The error body of a non-2xx API response (the spec's `Error`): `reason` is for people, `code` for programs.
public struct APIProblem: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: Int
    public var code: String
    public var reason: String
    /// `field: rule` lines from a validation error's `details`.
    public var details: [String]

    public init(status: Int, code: String, reason: String, details: [String] = []) {
        self.status = status
        self.code = code
        self.reason = reason
        self.details = details
    }

    /// Reads an `Error` body; a body that is not one (a proxy's HTML page, say) still gives a useful problem.
    init(status: Int, body: [UInt8]) {
        let value = try? JSONValue.parse(body)
        let reason = value?.at("reason")?.stringValue
        self.init(
            status: status, code: value?.at("code")?.stringValue ?? "http-\(status)",
            reason: reason ?? "the server answered HTTP \(status) without an error body",
            details: (value?.at("details")?.arrayValue ?? []).compactMap { detail in
                guard let field = detail.at("field")?.stringValue else { return nil }
                return "\(field): \(detail.at("error")?.stringValue ?? "invalid")"
            })
    }

    public var description: String {
        ([reason] + details.map { "  \($0)" }).joined(separator: "\n")
    }
}

/// Everything a client call can fail with, each worded for the person at the terminal.
public enum ClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The API answered with an error body.
    case api(APIProblem)
    /// The server could not be reached or the connection failed.
    case network(server: String, detail: String)
    /// The API answered 2xx with something that is not the JSON the spec promises.
    case unexpectedResponse(String)
    /// No resource has this name.
    case notFound(String)
    /// Several resources have this name; `matches` are lines describing each.
    case ambiguous(String, matches: [String])
    /// Input the CLI can reject before calling the API (a file, a patch, a flag).
    case invalidInput(String)

    public var description: String {
        switch self {
        case .api(let problem): return problem.description
        case .network(let server, let detail): return "cannot reach the HyperFleet API at \(server): \(detail)"
        case .unexpectedResponse(let message): return "unexpected response from the API: \(message)"
        case .notFound(let message): return message
        case .ambiguous(let message, let matches): return ([message] + matches.map { "  \($0)" }).joined(separator: "\n")
        case .invalidInput(let message): return message
        }
    }
}
