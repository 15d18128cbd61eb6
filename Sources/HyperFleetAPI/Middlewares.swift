import Foundation
import HTTPTypes
import Hummingbird
import HyperFleetAuth
import HyperFleetJSON
import HyperFleetModel
import Logging
import Metrics
import NIOCore
import HyperFleetStore
import Synchronization

/// Takes a sane incoming `X-Request-ID` / `X-Operation-ID` or makes one, and echoes it.
struct OperationIDMiddleware: RouterMiddleware {
    func handle(_ request: Request, context: APIRequestContext, next: (Request, APIRequestContext) async throws -> Response) async throws -> Response {
        var context = context
        let incoming = request.headers[.operationID] ?? request.headers[.requestID]
        context.operationID = incoming.flatMap(Self.sane) ?? OperationIDs.next()
        var response = try await next(request, context)
        response.headers[.operationID] = context.operationID
        return response
    }

    static func sane(_ value: String) -> String? {
        guard (1...128).contains(value.count),
            value.unicodeScalars.allSatisfy({ CharacterSet.alphanumerics.contains($0) && $0.isASCII || "-_.:".unicodeScalars.contains($0) })
        else { return nil }
        return value
    }
}

/// Operation ids in UUID form: 64 random bits drawn once per process, then a counter. Unique across
/// replicas without asking the system for randomness on every request (that and Foundation's UUID
/// string were a visible part of a GET's cost).
enum OperationIDs {
    private static let processBits = UInt64.random(in: .min ... .max)
    private static let counter = Atomic<UInt64>(0)

    static func next() -> String {
        UUIDText.format(high: processBits, low: counter.add(1, ordering: .relaxed).newValue)
    }
}

/// Turns every failure into the spec's Error body; nothing from the database or a stack trace
/// reaches the client, the log gets the detail.
struct ErrorMiddleware: RouterMiddleware {
    let routes: RouteTable

    func handle(_ request: Request, context: APIRequestContext, next: (Request, APIRequestContext) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return JSONResponse.error(error, operationID: context.operationID)
        } catch let error as AuthError {
            return JSONResponse.error(
                APIError(.unauthorized, "unauthorized: \(error.reason)"), operationID: context.operationID,
                extraHeaders: [.wwwAuthenticate: "Bearer"])
        } catch let error as StoreError {
            switch error {
            case .unavailable:
                context.logger.warning("database unavailable", metadata: ["error": "\(error)", "operation_id": "\(context.operationID)"])
                return JSONResponse.error(
                    APIError(.unavailable, "the database is unavailable; retry shortly"), operationID: context.operationID,
                    extraHeaders: [.retryAfter: "1"])
            case .corrupt:
                context.logger.error("stored data could not be read", metadata: ["error": "\(error)", "operation_id": "\(context.operationID)"])
                return JSONResponse.error(
                    APIError(.internalError, "internal error; see the server log for operation \(context.operationID)"),
                    operationID: context.operationID)
            case .notFound(let reason):
                return JSONResponse.error(APIError(.notFound, reason), operationID: context.operationID)
            case .conflict(let reason):
                return JSONResponse.error(APIError(.conflict, reason), operationID: context.operationID)
            case .invalid(let reason, let field):
                let details = field.map { [FieldError(field: $0, error: reason)] } ?? []
                return JSONResponse.error(APIError(.badQuery, error.description, details: details), operationID: context.operationID)
            }
        } catch is NIOTooManyBytesError {
            return JSONResponse.error(APIError(.payloadTooLarge, "request body is larger than the limit"), operationID: context.operationID)
        } catch let error as HTTPError where error.status == .notFound {
            let allowed = routes.allowedMethods(for: request.uri.path)
            if !allowed.isEmpty, !allowed.contains(request.method) {
                return JSONResponse.error(
                    APIError(.methodNotAllowed, "method \(request.method.rawValue) is not allowed on \(request.uri.path)"),
                    operationID: context.operationID,
                    extraHeaders: [.allow: allowed.map(\.rawValue).joined(separator: ", ")])
            }
            return JSONResponse.error(APIError(.notFound, "no route for \(request.method.rawValue) \(request.uri.path)"), operationID: context.operationID)
        } catch let error as HTTPError {
            // Framework-level rejections (bad request line etc.): keep the status, use our body.
            let code: APIErrorCode = error.status == .contentTooLarge ? .payloadTooLarge : .malformedBody
            return JSONResponse.error(APIError(code, "request rejected: \(error.status.reasonPhrase)"), operationID: context.operationID)
        } catch {
            context.logger.error(
                "unexpected error", metadata: ["error": "\(String(reflecting: error))", "operation_id": "\(context.operationID)"])
            return JSONResponse.error(APIError(.internalError, "internal error; see the server log for operation \(context.operationID)"), operationID: context.operationID)
        }
    }
}

/// Checks the bearer token on the routes of the group it is added to, and the claim a write
/// (anything but GET and HEAD) in that group needs, if one is configured.
struct AuthMiddleware: RouterMiddleware {
    let authenticator: BearerAuthenticator
    let writeClaim: ClaimRequirement?

    func handle(_ request: Request, context: APIRequestContext, next: (Request, APIRequestContext) async throws -> Response) async throws -> Response {
        var context = context
        let principal = try await authenticator.authenticate(authorization: request.headers[.authorization])
        context.principal = principal
        context.logger[metadataKey: "subject"] = .string(principal.subject)
        if request.method != .get, request.method != .head, let writeClaim, !principal.satisfies(writeClaim) {
            throw APIError(.forbidden, "this operation needs the claim \(writeClaim.claim)=\(writeClaim.value)")
        }
        return try await next(request, context)
    }
}

/// `hyperfleet_api_requests_total{method,route,code}` and `hyperfleet_api_request_duration_seconds`,
/// labelled by route template.
struct RequestMetricsMiddleware: RouterMiddleware {
    let handles: RequestMetricHandles

    init(factory: any MetricsFactory) {
        handles = RequestMetricHandles(factory: factory)
    }

    func handle(_ request: Request, context: APIRequestContext, next: (Request, APIRequestContext) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        let metrics = handles.for(method: request.method, endpoint: context.endpointPath, code: response.status.code)
        metrics.requests.increment()
        let elapsed = ContinuousClock.now - start
        metrics.duration.recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
        return response
    }
}

/// The metric objects of each (method, matched endpoint, status code), made once: creating them per
/// request went through the metrics backend's registry and label checks every time.
final class RequestMetricHandles: Sendable {
    struct Handles {
        let requests: Counter
        let duration: Metrics.Timer
    }

    private struct Key: Hashable {
        let method: HTTPRequest.Method
        /// Hummingbird's matched route (nil: no route matched); a finite set, unlike raw paths.
        let endpoint: String?
        let code: Int
    }

    private let cache = Mutex<[Key: Handles]>([:])
    private let factory: any MetricsFactory

    init(factory: any MetricsFactory) {
        self.factory = factory
    }

    func `for`(method: HTTPRequest.Method, endpoint: String?, code: Int) -> Handles {
        let key = Key(method: method, endpoint: endpoint, code: code)
        if let handles = cache.withLock({ $0[key] }) { return handles }
        let route = RouteTable.metricsLabel(endpoint)
        let handles = Handles(
            requests: Counter(
                label: "hyperfleet_api_requests_total", dimensions: [("method", method.rawValue), ("route", route), ("code", String(code))],
                factory: factory),
            duration: Metrics.Timer(
                label: "hyperfleet_api_request_duration_seconds", dimensions: [("method", method.rawValue), ("route", route)],
                factory: factory))
        cache.withLock { $0[key] = handles }
        return handles
    }
}
