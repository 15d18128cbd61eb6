import Foundation
import Hummingbird
import HummingbirdCore
import HyperFleetAuth
import HyperFleetStore
import Logging
import NIOCore
import Postgres

/// What the API server needs, built once by the executable (or a test).
public struct APIServerSettings: Sendable {
    public var host = "127.0.0.1"
    public var port = 8000
    public var maxBodyBytes = 1_048_576
    /// Closes connections idle (or stalled mid-request) this long; nil keeps them until the client closes.
    public var idleTimeout: Duration? = .seconds(75)
    public var adapterWriteClaim: ClaimRequirement?
    public var resourceWriteClaim: ClaimRequirement?
    public init() {}
}

public enum HyperFleetVersion {
    public static let api = "1.0.1"
}

/// Builds the public API router: operation ids, errors, metrics and auth around the v1 routes.
public func buildAPIRouter(
    store: ResourceStore, authenticator: BearerAuthenticator?, settings: APIServerSettings
) -> Router<APIRequestContext> {
    let router = Router(context: APIRequestContext.self)
    router.add(middleware: RequestMetricsMiddleware())
    router.add(middleware: OperationIDMiddleware())
    router.add(middleware: ErrorMiddleware())
    if let authenticator {
        router.add(middleware: AuthMiddleware(
            authenticator: authenticator, adapterWriteClaim: settings.adapterWriteClaim,
            resourceWriteClaim: settings.resourceWriteClaim))
    }
    APIRoutes(
        store: store, maxBodyBytes: settings.maxBodyBytes, version: HyperFleetVersion.api,
        openAPIDocument: OpenAPIDocument.json
    ).register(on: router)
    return router
}

/// Builds the API application (not yet running).
public func buildAPIApplication(
    store: ResourceStore, authenticator: BearerAuthenticator?, settings: APIServerSettings, logger: Logger,
    onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let responder = buildAPIRouter(store: store, authenticator: authenticator, settings: settings).buildResponder()
    let serverName = "hyperfleet-api"
    // The builder is handed Hummingbird's per-request closure, which writes through an NIOAsyncChannel;
    // APIConnectionChannel answers through the same router responder without that bridge.
    let server = HTTPServerBuilder { _ in
        APIConnectionChannel(
            responder: responder, maxBodyBytes: settings.maxBodyBytes, idleTimeout: settings.idleTimeout, serverName: serverName)
    }
    return Application(
        responder: responder,
        server: server,
        configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: serverName),
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
