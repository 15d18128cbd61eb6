import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import HyperFleetAPI
import HyperFleetAuth
import HyperFleetJSON
import HyperFleetModel
import HyperFleetStore
import Logging
import NIOCore
import Postgres
import PostgresTestSupport
import Testing
import Tracing

/// A running API on a fresh database, driven over real HTTP.
struct APIHarness: Sendable {
    let client: any TestClientProtocol
    let pool: PostgresPool
    let store: ResourceStore
    let databaseURL: String

    static let logger: Logger = {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return logger
    }()

    /// Starts the API on a fresh database (migrated, required adapters set) and runs `body`.
    static func run(
        clusterAdapters: [String] = ["validation", "dns", "pullsecret", "hypershift"],
        nodePoolAdapters: [String] = ["validation", "hypershift"],
        authenticator: BearerAuthenticator? = nil,
        configure: (inout APIServerSettings) -> Void = { _ in },
        serverLogger: Logger = logger,
        tracer: (any Tracer)? = nil,
        _ body: @Sendable (APIHarness) async throws -> Void
    ) async throws {
        try await TestDatabase.withFresh { url in
            let pool = PostgresPool(configuration: PostgresConfiguration(connectionString: url, poolSize: 8, connectTimeout: .seconds(20)), logger: logger)
            do {
                try await Schema.prepare(pool: pool, clusterAdapters: clusterAdapters, nodePoolAdapters: nodePoolAdapters, logger: logger)
                let store = ResourceStore(pool: pool, logger: logger, tracer: tracer)
                var settings = APIServerSettings()
                settings.port = 0
                configure(&settings)
                let app = buildAPIApplication(
                    store: store, authenticator: authenticator, settings: settings, logger: serverLogger, tracer: tracer)
                try await app.test(.live) { client in
                    try await body(APIHarness(client: client, pool: pool, store: store, databaseURL: url))
                }
            } catch {
                await pool.close()
                throw error
            }
            await pool.close()
        }
    }

    // MARK: Requests

    @discardableResult
    func request(
        _ method: HTTPRequest.Method, _ path: String, json: String? = nil, contentType: String = "application/json",
        headers extra: HTTPFields = [:]
    ) async throws -> Reply {
        var headers = extra
        if json != nil { headers[.contentType] = contentType }
        let response = try await client.execute(
            uri: path, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) })
        return Reply(status: response.status.code, headers: response.headers, body: String(buffer: response.body))
    }

    func get(_ path: String, headers: HTTPFields = [:]) async throws -> Reply {
        try await request(.get, path, headers: headers)
    }

    func post(_ path: String, _ json: String, headers: HTTPFields = [:]) async throws -> Reply {
        try await request(.post, path, json: json, headers: headers)
    }

    /// Creates a cluster and returns its JSON.
    func createCluster(_ name: String, labels: [String: String] = [:], spec: String = "{}") async throws -> JSONValue {
        let labelJSON = JSONValue.object(labels.mapValues { .string($0) }).serialized()
        let reply = try await post(
            "/api/hyperfleet/v1/clusters", #"{"kind":"Cluster","name":"\#(name)","spec":\#(spec),"labels":\#(labelJSON)}"#)
        try #require(reply.status == 201, "create cluster: \(reply.status) \(reply.body)")
        return try reply.json()
    }

    func createNodePool(_ clusterID: String, _ name: String, labels: [String: String] = [:]) async throws -> JSONValue {
        let labelJSON = JSONValue.object(labels.mapValues { .string($0) }).serialized()
        let reply = try await post(
            "/api/hyperfleet/v1/clusters/\(clusterID)/nodepools", #"{"name":"\#(name)","spec":{"replicas":2},"labels":\#(labelJSON)}"#)
        try #require(reply.status == 201, "create nodepool: \(reply.status) \(reply.body)")
        return try reply.json()
    }

    /// Posts an adapter report with the three usual conditions.
    @discardableResult
    func report(
        _ path: String, adapter: String, generation: Int, available: String = "True", health: String = "True",
        observed: Timestamp = .now()
    ) async throws -> Reply {
        try await post(path + "/statuses", Self.reportBody(adapter: adapter, generation: generation, available: available, health: health, observed: observed))
    }

    static func reportBody(adapter: String, generation: Int, available: String = "True", health: String = "True", observed: Timestamp = .now()) -> String {
        """
        {"adapter":"\(adapter)","observed_generation":\(generation),"observed_time":"\(observed.rfc3339)",
         "conditions":[{"type":"Available","status":"\(available)","reason":"R","message":"m"},
                       {"type":"Applied","status":"True"},{"type":"Health","status":"\(health)"}]}
        """
    }
}

/// A response, with helpers to read its JSON.
struct Reply: Sendable {
    var status: Int
    var headers: HTTPFields
    var body: String

    func json() throws -> JSONValue {
        try JSONValue.parse(Array(body.utf8))
    }

    /// A value at a dotted path, e.g. `status.phase` or `items.0.id`.
    func value(_ path: String) throws -> JSONValue? {
        try json().at(path)
    }

    func string(_ path: String) throws -> String? {
        if case .string(let text)? = try value(path) { return text }
        return nil
    }

    func int(_ path: String) throws -> Int64? {
        if case .int(let number)? = try value(path) { return number }
        return nil
    }

    /// The error body's id (the contract's error code), e.g. "8".
    var errorCode: String? { try? string("id") }
}


/// An exclusive lock on a table, held in a transaction of its own until released, so that a request
/// touching the table waits inside the database (for shutdown tests).
struct HeldTableLock: Sendable {
    private let releaseSignal: AsyncStream<Void>.Continuation
    private let holder: Task<Void, any Error>

    /// Returns once the lock is taken.
    static func take(_ table: String, pool: PostgresPool) async throws -> HeldTableLock {
        let (locked, lockedSignal) = AsyncStream<Void>.makeStream()
        let (release, releaseSignal) = AsyncStream<Void>.makeStream()
        let holder = Task {
            try await pool.withConnection { session in
                try await session.execute("BEGIN; LOCK TABLE \(table) IN ACCESS EXCLUSIVE MODE")
                lockedSignal.yield()
                for await _ in release { break }
                try await session.execute("COMMIT")
            }
        }
        for await _ in locked { break }
        return HeldTableLock(releaseSignal: releaseSignal, holder: holder)
    }

    func release() async throws {
        releaseSignal.yield()
        try await holder.value
    }

    /// Waits until a query of another session waits for a lock in this database: a request that got
    /// that far is in flight on the server, whatever the machine's load (up to 15 s).
    static func waitForAWaiter(pool: PostgresPool) async throws {
        for _ in 0..<300 {
            let waiting = try await pool.query(
                "SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
            ).first?.int("n") ?? 0
            if waiting > 0 { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("no query came to wait for the held lock within 15 s")
        throw CancellationError()
    }
}
