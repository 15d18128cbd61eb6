import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// Readiness as the ops endpoints report it: a dependency check plus a shutdown flag.
public final class Readiness: Sendable {
    private let shuttingDown = Atomic<Bool>(false)
    private let check: @Sendable () async -> [String: Bool]

    /// `check` returns each dependency's reachability, e.g. `["database": true]`.
    public init(check: @escaping @Sendable () async -> [String: Bool]) {
        self.check = check
    }

    public func beginShutdown() { shuttingDown.store(true, ordering: .relaxed) }
    public var isShuttingDown: Bool { shuttingDown.load(ordering: .relaxed) }

    /// Ready, and a short JSON description of why (not).
    public func evaluate() async -> (ready: Bool, body: String) {
        if isShuttingDown { return (false, #"{"status":"shutting down"}"#) }
        let results = await check()
        let ready = results.values.allSatisfy { $0 }
        let parts = results.keys.sorted().map { "\"\($0)\":\(results[$0]! ? "\"up\"" : "\"down\"")" }
        return (ready, "{\"status\":\"\(ready ? "ready" : "not ready")\",\(parts.joined(separator: ","))}")
    }
}

/// `/healthz` (the process is alive) and `/readyz` (dependencies reachable, not shutting down).
public func buildHealthApplication(
    host: String, port: Int, readiness: Readiness, logger: Logger,
    onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let router = Router()
    router.get("/healthz") { _, _ in
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"status":"ok"}"#)))
    }
    router.get("/readyz") { _, _ in
        let (ready, body) = await readiness.evaluate()
        return Response(
            status: ready ? .ok : .serviceUnavailable, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: body)))
    }
    return Application(
        router: router, configuration: .init(address: .hostname(host, port: port), serverName: "hyperfleet-health"),
        onServerRunning: onServerRunning, logger: logger)
}

/// `/metrics` in the Prometheus text format, rendered by `render`.
public func buildMetricsApplication(
    host: String, port: Int, render: @escaping @Sendable () -> String, logger: Logger,
    onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let router = Router()
    router.get("/metrics") { _, _ in
        Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: render())))
    }
    return Application(
        router: router, configuration: .init(address: .hostname(host, port: port), serverName: "hyperfleet-metrics"),
        onServerRunning: onServerRunning, logger: logger)
}

/// Runs a closure as a lifecycle service (background loops such as gauge refreshers).
public struct ClosureService: Service {
    let name: String
    let body: @Sendable () async throws -> Void

    public init(_ name: String, _ body: @escaping @Sendable () async throws -> Void) {
        self.name = name
        self.body = body
    }

    public func run() async throws {
        // Background loops end with the graceful shutdown of the group: being cancelled then is the
        // normal way out, not a failure.
        do {
            try await cancelWhenGracefulShutdown { try await body() }
        } catch is CancellationError {
            return
        }
    }
}

/// Flips readiness to 503 as soon as graceful shutdown begins, before the servers drain.
public struct ReadinessShutdownService: Service {
    let readiness: Readiness
    public init(readiness: Readiness) { self.readiness = readiness }

    public func run() async throws {
        try? await gracefulShutdown()
        readiness.beginShutdown()
    }
}
