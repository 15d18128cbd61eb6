import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import HyperFleetModel
import HyperFleetOps
import Logging
import Metrics
import Postgres
import PostgresTestSupport
import Prometheus
import HyperFleetTestSupport
import Testing

@Suite("operations: outages, readiness, metrics")
struct OperationsTests {
    @Test func databaseOutageGives503AndRecovers() async throws {
        try await APIHarness.run { api in
            let cluster = try await api.createCluster("survivor")
            let path = "/api/hyperfleet/v1/clusters/\(try #require(cluster.at("id")?.stringValue))"
            try await TestDatabase.setReachable(api.databaseURL, false)
            let start = ContinuousClock.now
            let down = try await api.get(path)
            #expect(down.status == 503)
            #expect(down.errorCode == "24")
            #expect(down.headers[.retryAfter] != nil)
            #expect(ContinuousClock.now - start < .seconds(15), "503 promptly, not a hang")
            #expect(!down.body.contains("FATAL"))
            #expect(!down.body.lowercased().contains("pg_"))
            let readiness = Readiness { ["database": await api.pool.ping()] }
            #expect(await readiness.evaluate().ready == false)
            try await TestDatabase.setReachable(api.databaseURL, true)
            // Recovery without a restart.
            #expect(try await api.get(path).status == 200)
            #expect(await readiness.evaluate().ready == true)
            readiness.beginShutdown()
            #expect(await readiness.evaluate().ready == false)
        }
    }

    /// Made operation ids are UUID-shaped lowercase hex and never repeat; a sane incoming one is echoed.
    @Test func operationIDsAreUniqueAndEchoed() async throws {
        try await APIHarness.run { api in
            var seen = Set<String>()
            for _ in 0..<50 {
                let reply = try await api.get("/api/hyperfleet")
                let id = try #require(reply.headers[HTTPField.Name("X-Operation-ID")!])
                #expect(id.range(of: "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", options: .regularExpression) != nil, "\(id)")
                seen.insert(id)
            }
            #expect(seen.count == 50)
            let echoed = try await api.get("/api/hyperfleet", headers: [HTTPField.Name("X-Request-ID")!: "client-42"])
            #expect(echoed.headers[HTTPField.Name("X-Operation-ID")!] == "client-42")
        }
    }

    @Test func healthServerAnswersReadiness() async throws {
        let state = ReadyFlag()
        let readiness = Readiness { ["database": state.value] }
        let app = buildHealthApplication(host: "127.0.0.1", port: 0, readiness: readiness, logger: APIHarness.logger)
        try await app.test(.live) { client in
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
            #expect(try await client.execute(uri: "/readyz", method: .get).status == .ok)
            state.value = false
            let down = try await client.execute(uri: "/readyz", method: .get)
            #expect(down.status == .serviceUnavailable)
            #expect(String(buffer: down.body).contains("\"database\":\"down\""))
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
        }
    }

    @Test func requestMetricsUseRouteTemplates() async throws {
        let registry = TestMetrics.registry
        try await APIHarness.run { api in
            let cluster = try await api.createCluster("measured")
            let id = try #require(cluster.at("id")?.stringValue)
            _ = try await api.get("/api/hyperfleet/v1/clusters/\(id)")
            _ = try await api.get("/api/hyperfleet/v1/no-such-route")
            let text = registry.emitToString()
            #expect(text.contains(#"route="/clusters/{cluster_id}""#))
            #expect(text.contains(#"route="/clusters""#))
            #expect(text.contains(#"route="unmatched""#))
            #expect(!text.contains(id), "raw ids must never become label values")
            #expect(text.contains("hyperfleet_api_requests_total"))
            #expect(text.contains("hyperfleet_api_request_duration_seconds_bucket"))
        }
    }
}

/// A thread-safe boolean the readiness check reads.
final class ReadyFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var stored = true
    var value: Bool {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}
