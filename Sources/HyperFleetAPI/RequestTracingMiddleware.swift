import HTTPTypes
import Hummingbird
import HyperFleetModel
import HyperFleetTracing
import Tracing

/// One server span per request (issue 13), continuing an incoming W3C `traceparent`/`tracestate`, active
/// while the request is handled (so log lines and the store's spans belong to it).
///
/// Name: the method and the route template, `GET /api/hyperfleet/v1/clusters/{cluster_id}`; a request no
/// route matches (404, 405) is `GET unmatched`, never its path. Attributes, all bounded:
/// `http.request.method`, `http.route` (matched routes only), `http.response.status_code`,
/// `hyperfleet.resource.type`, `hyperfleet.resource.id` and `hyperfleet.cluster.id` (nodepool routes)
/// when the route names them; a create adds the new resource's id. No query string, peer address or
/// header. A 5xx sets the error status and `error.type` (the status code). The response carries
/// `traceresponse` (Trace Context Level 2 draft) with the server span's context.
///
/// Hummingbird's own `TracingMiddleware` is not used: a malformed header makes swift-otel log the whole
/// carrier, `Authorization` included; `HTTPFieldsExtractor` hands the tracer only valid values.
///
/// Added only when tracing is on; with it off the router has no such middleware at all. It is the
/// outermost router middleware: Hummingbird has matched the route when it runs, and every answer made
/// inside the router (auth failures, 404/405, body limits, errors) passes through it. Rejections by the
/// HTTP codec itself (a malformed request line, an oversized header block) never reach the router and
/// have no span.
struct RequestTracingMiddleware: RouterMiddleware {
    let tracer: any Tracer

    static let traceresponse = HTTPField.Name("traceresponse")!

    func handle(_ request: Request, context: APIRequestContext, next: (Request, APIRequestContext) async throws -> Response) async throws -> Response {
        var parent = ServiceContext.topLevel
        tracer.extract(request.headers, into: &parent, using: HTTPFieldsExtractor())
        let method = Self.methodName(request.method)
        let route = context.endpointPath
        let span = tracer.startSpan(
            (method == "_OTHER" ? "HTTP" : method) + " " + (route ?? "unmatched"), context: parent, ofKind: .server)
        defer { span.end() }
        span.updateAttributes { attributes in
            attributes[TraceAttribute.method] = method
            if let route {
                attributes["http.route"] = route
                Self.resourceAttributes(route: route, parameters: context.parameters, into: &attributes)
            }
        }
        var context = context
        context.serverSpan = span
        do {
            var response = try await ServiceContext.withValue(span.context) { try await next(request, context) }
            let code = response.status.code
            span.attributes[TraceAttribute.statusCode] = code
            if code >= 500 {
                span.attributes[TraceAttribute.errorType] = String(code)
                span.setStatus(SpanStatus(code: .error))
            }
            if let traceparent = tracer.traceHeaders(of: span.context).traceparent {
                response.headers[Self.traceresponse] = traceparent
            }
            return response
        } catch {
            // The error middleware answers everything; whatever escapes it ends the connection's request.
            span.attributes[TraceAttribute.errorType] = String(describing: type(of: error))
            span.setStatus(SpanStatus(code: .error))
            throw error
        }
    }

    /// The known methods as they are; anything else is `_OTHER` (OpenTelemetry's HTTP conventions), so a
    /// client cannot make up span names.
    static func methodName(_ method: HTTPRequest.Method) -> String {
        switch method {
        case .get, .head, .post, .put, .patch, .delete, .options, .trace, .connect: method.rawValue
        default: "_OTHER"
        }
    }

    /// The resource a route template names: a nodepool (its id and its cluster's) under
    /// `.../nodepools/{nodepool_id}`, a cluster under `.../clusters/{cluster_id}`, only the type for the
    /// collections. Ids that are not well formed are left out (the handler answers 404 for them).
    static func resourceAttributes(route: String, parameters: Parameters, into attributes: inout SpanAttributes) {
        let clusterID = parameters.get("cluster_id").flatMap { ResourceID.isWellFormed($0) ? $0 : nil }
        if route.contains("/nodepools") {
            attributes[TraceAttribute.resourceType] = "nodepools"
            if let id = parameters.get("nodepool_id"), ResourceID.isWellFormed(id) { attributes[TraceAttribute.resourceID] = id }
            if let clusterID { attributes[TraceAttribute.clusterID] = clusterID }
        } else if route.contains("/clusters") {
            attributes[TraceAttribute.resourceType] = "clusters"
            if let clusterID { attributes[TraceAttribute.resourceID] = clusterID }
        }
    }
}

extension APIRequestContext {
    /// Names the resource a request created on its server span (the route has no id for it).
    func recordCreated(id: String) {
        serverSpan?.attributes[TraceAttribute.resourceID] = id
    }
}
