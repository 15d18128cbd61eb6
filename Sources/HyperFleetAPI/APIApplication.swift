import Foundation
import Hummingbird
import HummingbirdCore
import HyperFleetAuth
import HyperFleetStore
import Logging
import NIOCore
import Metrics
import Tracing

/// What the API server needs, built once by the executable (or a test).
public struct APIServerSettings: Sendable {
    public var host = "127.0.0.1"
    public var port = 8000
    public var maxBodyBytes = 1_048_576
    /// Closes connections idle (or stalled mid-request) this long; nil keeps them until the client closes.
    public var idleTimeout: Duration? = .seconds(75)
    /// Connections served at once; the listener stops accepting while this many are open.
    public var maxConnections = 1000
    public var adapterWriteClaim: ClaimRequirement?
    public var resourceWriteClaim: ClaimRequirement?
    public init() {}
}

public enum HyperFleetVersion {
    public static let api = "1.0.1"
}

/// Builds the public API router: the route groups (the resource and status-report groups each with
/// their own auth and write claim), then operation ids, errors and metrics around all of them.
///
/// `tracer`: the API's tracer (`makeTracer`); nil or the no-op tracer (tracing off) add no middleware.
/// The store makes its spans with its own (`ResourceDatabase.makeStore(logger:tracer:)`).
public func buildAPIRouter(
    store: ResourceStore, authenticator: BearerAuthenticator?, settings: APIServerSettings,
    metricsFactory: any MetricsFactory = MetricsSystem.factory, tracer: (any Tracer)? = nil
) -> Router<APIRequestContext> {
    let router = Router(context: APIRequestContext.self)
    let routeTable = RouteTable()
    // Router-wide middlewares first: Hummingbird wraps each route in those added before it.
    if let tracer, !(tracer is NoOpTracer) {
        // Outermost: the span covers the other middlewares and sees the final status.
        router.add(middleware: RequestTracingMiddleware(tracer: tracer))
    }
    router.add(middleware: RequestMetricsMiddleware(factory: metricsFactory))
    router.add(middleware: OperationIDMiddleware())
    router.add(middleware: ErrorMiddleware(routes: routeTable))
    router.add(middleware: DeclaredBodyLimitMiddleware(maxBodyBytes: settings.maxBodyBytes))

    let input = RequestInput(maxBodyBytes: settings.maxBodyBytes)
    MetaRoutes(version: HyperFleetVersion.api, openAPIDocument: OpenAPIDocument.json).register(on: router)
    let resources = router.group(RouterPath(RouteTable.prefix))
    let statusReports = router.group(RouterPath(RouteTable.prefix))
    if let authenticator {
        resources.add(middleware: AuthMiddleware(authenticator: authenticator, writeClaim: settings.resourceWriteClaim))
        statusReports.add(middleware: AuthMiddleware(authenticator: authenticator, writeClaim: settings.adapterWriteClaim))
    }
    ClusterRoutes(store: store, input: input).register(on: resources)
    NodePoolRoutes(store: store, input: input).register(on: resources)
    ReconcileRoutes(store: store, input: input).register(on: resources)
    StatusRoutes(store: store, input: input).register(on: statusReports)
    routeTable.fill(from: router)
    return router
}

/// Builds the API application (not yet running).
public func buildAPIApplication(
    store: ResourceStore, authenticator: BearerAuthenticator?, settings: APIServerSettings, logger: Logger,
    metricsFactory: any MetricsFactory = MetricsSystem.factory, tracer: (any Tracer)? = nil,
    onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let responder = buildAPIRouter(
        store: store, authenticator: authenticator, settings: settings, metricsFactory: metricsFactory, tracer: tracer
    ).buildResponder()
    let maxBodyBytes = settings.maxBodyBytes
    // Hummingbird's own HTTP/1.1 server; ConnectionEdgeHandler adds 100-continue, the early close after
    // a declared body over the limit, and 431 for an oversized header block.
    let server = HTTPServerBuilder.http1(configuration: .init(
        additionalChannelHandlers: [ConnectionEdgeHandler(maxBodyBytes: maxBodyBytes)],
        idleTimeout: settings.idleTimeout.map { TimeAmount($0) }))
    return Application(
        responder: responder,
        server: server,
        configuration: .init(
            address: .hostname(settings.host, port: settings.port), serverName: "hyperfleet-api",
            availableConnectionsDelegate: MaximumAvailableConnections(settings.maxConnections)),
        onServerRunning: onServerRunning,
        logger: logger)
}

/// The project's OpenAPI document (v1.0.1 plus marked extensions), served at `/api/hyperfleet/v1/openapi`.
enum OpenAPIDocument {
    static let json: ByteBuffer = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json"),
            let data = try? Data(contentsOf: url)
        else { return ByteBuffer(string: "{}") }
        return ByteBuffer(bytes: data)
    }()
}
