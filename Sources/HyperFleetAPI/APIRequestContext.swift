import HTTPTypes
import Hummingbird
import HyperFleetAuth
import Tracing

/// Per-request state shared by the middlewares and the handlers.
public struct APIRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Echoed as `X-Operation-ID` and as `operation_id` in error bodies.
    public var operationID = ""
    /// The authenticated caller (nil on the open endpoints or with auth off).
    public var principal: Principal?
    /// The request's server span (nil with tracing off), for what only the handler learns (a new id).
    var serverSpan: (any Span)?

    public init(source: Source) {
        coreContext = .init(source: source)
    }

    /// Who a write is attributed to, as the `created_by` / `updated_by` email.
    var actor: String { principal?.email ?? "system@hyperfleet.local" }
}

extension HTTPField.Name {
    static let operationID = HTTPField.Name("X-Operation-ID")!
    static let requestID = HTTPField.Name("X-Request-ID")!
}
