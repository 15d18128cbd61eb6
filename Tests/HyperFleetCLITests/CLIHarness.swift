import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdTesting
import HyperFleetAPI
import HyperFleetAuth
import HyperFleetCLI
import HyperFleetClient
import HyperFleetJSON
import HyperFleetStore
import Logging
import Postgres
import PostgresTestSupport
import Synchronization
import Testing

/// A real API on a fresh database, served over a real socket, and the CLI run in-process against it.
struct CLIHarness: Sendable {
    let server: String
    let client: HyperFleetClient

    static let logger: Logger = {
        var logger = Logger(label: "cli-test")
        logger.logLevel = .warning
        return logger
    }()

    static func run(authenticator: BearerAuthenticator? = nil, _ body: @Sendable (CLIHarness) async throws -> Void) async throws {
        try await TestDatabase.withFresh { url in
            let pool = PostgresPool(configuration: PostgresConfiguration(connectionString: url, poolSize: 4, connectTimeout: .seconds(20)), logger: logger)
            do {
                try await Schema.prepare(pool: pool, clusterAdapters: ["validation", "dns"], nodePoolAdapters: ["validation"], logger: logger)
                var settings = APIServerSettings()
                settings.port = 0
                let app = buildAPIApplication(store: ResourceStore(pool: pool, logger: logger), authenticator: authenticator, settings: settings, logger: logger)
                try await app.test(.live) { testClient in
                    let port = try #require(testClient.port)
                    let server = "http://127.0.0.1:\(port)"
                    try await body(CLIHarness(server: server, client: HyperFleetClient(server: server)))
                }
            } catch {
                await pool.close()
                throw error
            }
            await pool.close()
        }
    }

    /// Runs `hyperfleet ARGUMENTS --server THIS` and returns its exit code and output.
    func cli(_ arguments: [String], environment: [String: String] = [:], width: Int = 200, server: String? = nil) async -> CLIRun {
        let capture = OutputCapture()
        let code = await ClientCommands.run(arguments + ["--server", server ?? self.server], in: capture.context(environment: environment, width: width))
        return CLIRun(code: code, out: capture.out, err: capture.err)
    }

    /// A raw GET of an API path, for comparing `-o json` with the API's own bytes.
    func rawGet(_ path: String) async throws -> String {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: server + "/api/hyperfleet/v1" + path), timeout: .seconds(30))
        #expect(response.status.code == 200)
        return String(buffer: try await response.body.collect(upTo: 1 << 24))
    }

    @discardableResult
    func createCluster(_ name: String, labels: [String: String] = [:]) async throws -> JSONValue {
        try await client.create(.cluster, body: .object([
            "kind": "Cluster", "name": .string(name), "spec": .object([:]), "labels": .object(labels.mapValues { .string($0) }),
        ])).value
    }

    @discardableResult
    func createNodePool(_ clusterID: String, _ name: String) async throws -> JSONValue {
        try await client.create(.nodePool, clusterID: clusterID, body: .object(["name": .string(name), "spec": .object([:])])).value
    }
}

/// One command's result.
struct CLIRun: Sendable {
    var code: Int32
    var out: String
    var err: String
}

/// Collects what a command writes; read while a watching command is still running.
final class OutputCapture: Sendable {
    private let buffers = Mutex<(out: String, err: String)>(("", ""))

    var out: String { buffers.withLock { $0.out } }
    var err: String { buffers.withLock { $0.err } }

    func context(environment: [String: String] = [:], width: Int = 200) -> CLIContext {
        CLIContext(
            output: CLIOutput(out: { text in self.buffers.withLock { $0.out += text } }, error: { text in self.buffers.withLock { $0.err += text } }),
            environment: environment, terminalWidth: width)
    }
}

extension JSONValue: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
}
