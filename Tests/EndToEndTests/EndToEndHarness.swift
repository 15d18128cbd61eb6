import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import HyperFleetAdapter
import HyperFleetAPI
import HyperFleetJSON
import HyperFleetModel
import HyperFleetStore
import HyperFleetTestSupport
import Kafka
import Logging
import NIOCore
import Postgres
import PostgresTestSupport
import Sentinel
import SentinelCore
import ServiceLifecycle
import Synchronization
import Testing

let e2eLogger: Logger = {
    var logger = Logger(label: "e2e-test")
    // E2E_TEST_LOG_LEVEL=debug shows what the API, the Sentinel and the adapters do.
    logger.logLevel = ProcessInfo.processInfo.environment["E2E_TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .critical
    return logger
}()

/// The whole loop in-process, wired like `hyperfleet dev` (DevCommand) but on free ports and a fresh
/// test database: the API over real HTTP (auth off), a Kafka mock cluster with the three topics, a
/// SentinelService on the real clock with shortened settings, and the six shipped adapters
/// (config/adapters) in one ServiceGroup, plus a consumer reading every topic for assertions.
struct E2EHarness: Sendable {
    let client: any TestClientProtocol
    let pool: PostgresPool
    let kafka: KafkaMockCluster
    let events: KafkaMessageCollector
    let settings: SentinelSettings
    let apiURL: String

    static let topics = ["hyperfleet-clusters", "hyperfleet-nodepools", "hyperfleet-alerts"]
    static let clusterAdapters = ["validation", "dns", "pullsecret", "hypershift"]
    static let nodePoolAdapters = ["validation", "hypershift"]
    static let pollInterval: Duration = .milliseconds(200)
    static let staleCheckInterval: Duration = .milliseconds(500)
    static let jobDuration: Duration = .milliseconds(150)

    static var sentinelSettings: SentinelSettings {
        var settings = SentinelSettings()
        settings.decisions.debounce = .milliseconds(100)
        settings.decisions.notReadyBackoffBase = .milliseconds(300)
        settings.decisions.notReadyBackoffMax = .seconds(2)
        settings.decisions.failedBackoffBase = .milliseconds(500)
        settings.decisions.failedBackoffMax = .seconds(4)
        settings.decisions.maxAgeReady = .seconds(3)
        settings.staleAdapterAfter = .seconds(6)
        settings.claimLease = .seconds(30)
        settings.publishRetryBase = .milliseconds(100)
        settings.publishRetryMax = .seconds(1)
        return settings
    }

    static func run(_ body: @Sendable (E2EHarness) async throws -> Void) async throws {
        _ = TestMetrics.registry  // the process-wide metrics backend, before any metric is made
        let settings = sentinelSettings
        // The same start-up check `hyperfleet sentinel` applies.
        if let problem = StaleAdapterSettingsCheck.problem(staleAdapterAfter: settings.staleAdapterAfter, settings: settings.decisions) {
            Issue.record("harness settings rejected: \(problem)")
            return
        }
        try await TestDatabase.withFresh { url in
            let apiPool = PostgresPool(
                configuration: PostgresConfiguration(connectionString: url, poolSize: 8, connectTimeout: .seconds(20)), logger: e2eLogger)
            let sentinelPool = PostgresPool(
                configuration: PostgresConfiguration(connectionString: url, poolSize: 4, connectTimeout: .seconds(20)), logger: e2eLogger)
            let kafka = try KafkaMockCluster(brokers: 1, logger: e2eLogger)
            defer { kafka.close() }
            for topic in topics { try kafka.createTopic(topic, partitions: 3, replicationFactor: 1) }
            let producer = try KafkaProducer(
                configuration: KafkaProducerConfiguration(
                    bootstrapServers: kafka.bootstrapServers, properties: ["message.timeout.ms": "5000"]),
                logger: e2eLogger)
            let events = KafkaMessageCollector(try KafkaConsumer(
                configuration: KafkaConsumerConfiguration(
                    bootstrapServers: kafka.bootstrapServers, groupID: "e2e-\(UUID().uuidString)", topics: topics),
                logger: e2eLogger))
            do {
                // The real migrations and the required adapters, as the API's start-up does.
                try await Schema.prepare(
                    pool: apiPool, clusterAdapters: clusterAdapters, nodePoolAdapters: nodePoolAdapters, logger: e2eLogger)
                var apiSettings = APIServerSettings()
                apiSettings.port = 0
                let app = buildAPIApplication(
                    store: ResourceStore(pool: apiPool, logger: e2eLogger), authenticator: nil, settings: apiSettings, logger: e2eLogger)
                try await app.test(.live) { client in
                    let port = try #require(client.port)
                    let apiURL = "http://127.0.0.1:\(port)"
                    let engine = SentinelEngine(pool: sentinelPool, producer: producer, settings: settings, logger: e2eLogger)
                    let sentinel = SentinelService(
                        engine: engine, listenConfiguration: PostgresConfiguration(connectionString: url, poolSize: 1),
                        pollInterval: pollInterval, staleCheckInterval: staleCheckInterval, shutdownTimeout: .seconds(5))
                    var services: [any Service] = [sentinel]
                    for file in adapterFiles() {
                        services.append(AdapterService(
                            configuration: try adapterConfiguration(file: file, apiURL: apiURL, brokers: kafka.bootstrapServers),
                            logger: e2eLogger, exitOnCrash: false))
                    }
                    #expect(services.count == 7, "the Sentinel and six adapters")
                    // Shutdown runs in reverse: adapters first, then the Sentinel (as in DevCommand).
                    let group = ServiceGroup(configuration: .init(services: services, logger: e2eLogger))
                    let running = Task { try await group.run() }
                    let harness = E2EHarness(
                        client: client, pool: apiPool, kafka: kafka, events: events, settings: settings, apiURL: apiURL)
                    let outcome: Result<Void, any Error>
                    do {
                        try await body(harness)
                        outcome = .success(())
                    } catch {
                        outcome = .failure(error)
                    }
                    await group.triggerGracefulShutdown()
                    let groupResult = await running.result
                    if case .failure(let error) = groupResult { Issue.record("service group ended with \(error)") }
                    try outcome.get()
                }
            } catch {
                await events.stop()
                await sentinelPool.close()
                await apiPool.close()
                throw error
            }
            await events.stop()
            await sentinelPool.close()
            await apiPool.close()
        }
    }

    static func adapterFiles() -> [String] {
        let folder = configFolder()
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return files.filter { $0.hasSuffix(".yaml") }.sorted().map { "\(folder)/\($0)" }
    }

    static func configFolder() -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("config/adapters").path
    }

    /// A shipped adapter configuration, adjusted the way DevCommand does.
    static func adapterConfiguration(file: String, apiURL: String, brokers: String) throws -> AdapterConfiguration {
        var configuration = try AdapterConfiguration.load(file: file, environment: [:])
        configuration.api.url = apiURL
        configuration.api.retryBase = .milliseconds(20)
        configuration.api.retryMax = .milliseconds(300)
        configuration.kafka.brokers = brokers
        configuration.jobDuration = jobDuration
        configuration.kafka.properties["session.timeout.ms"] = "6000"
        configuration.kafka.properties["heartbeat.interval.ms"] = "500"
        try configuration.validate()
        return configuration
    }

    // MARK: HTTP

    func request(_ method: HTTPRequest.Method, _ path: String, json: String? = nil, contentType: String = "application/json") async throws -> E2EReply {
        var headers: HTTPFields = [:]
        if json != nil { headers[.contentType] = contentType }
        let response = try await client.execute(uri: path, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) })
        return E2EReply(status: response.status.code, body: String(buffer: response.body))
    }

    func createCluster(_ name: String, spec: String = #"{"region":"eu"}"#) async throws -> String {
        let reply = try await request(.post, "/api/hyperfleet/v1/clusters", json: #"{"kind":"Cluster","name":"\#(name)","spec":\#(spec)}"#)
        try #require(reply.status == 201, "create cluster: \(reply.status) \(reply.body)")
        return try #require(try reply.string("id"))
    }

    func createNodePool(_ clusterID: String, _ name: String, spec: String = #"{"replicas":2}"#) async throws -> String {
        let reply = try await request(.post, "/api/hyperfleet/v1/clusters/\(clusterID)/nodepools", json: #"{"name":"\#(name)","spec":\#(spec)}"#)
        try #require(reply.status == 201, "create nodepool: \(reply.status) \(reply.body)")
        return try #require(try reply.string("id"))
    }

    func mergePatch(_ path: String, _ json: String) async throws -> E2EReply {
        let reply = try await request(.patch, path, json: json, contentType: "application/merge-patch+json")
        try #require(reply.status == 200, "patch \(path): \(reply.status) \(reply.body)")
        return reply
    }

    /// Every stored adapter status of the resource at `path`.
    func statuses(_ path: String) async throws -> [JSONValue] {
        let reply = try await request(.get, path + "/statuses?pageSize=100")
        try #require(reply.status == 200, "statuses: \(reply.status) \(reply.body)")
        return try reply.json().at("items")?.arrayValue ?? []
    }

    /// Polls GET `path` until `condition` holds (or the deadline passes, which records an issue and throws).
    @discardableResult
    func waitFor(
        _ path: String, _ what: String, within deadline: Duration = .seconds(20), _ condition: @Sendable (E2EReply) throws -> Bool
    ) async throws -> E2EReply {
        let end = ContinuousClock.now + deadline
        var last = try await request(.get, path)
        while ContinuousClock.now < end {
            last = try await request(.get, path)
            if try condition(last) { return last }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("timed out after \(deadline) waiting for \(what) on \(path); last: \(last.status) \(last.body)")
        throw E2ETimedOut()
    }

    @discardableResult
    func waitForPhase(_ path: String, _ phase: String, generation: Int64? = nil, within deadline: Duration = .seconds(20)) async throws -> E2EReply {
        try await waitFor(path, "phase \(phase)" + (generation.map { " at generation \($0)" } ?? ""), within: deadline) { reply in
            guard reply.status == 200, try reply.string("status.phase") == phase else { return false }
            guard let generation else { return true }
            return try reply.int("generation") == generation && reply.int("status.observed_generation") == generation
        }
    }
}

struct E2ETimedOut: Error {}

struct E2EReply: Sendable {
    var status: Int
    var body: String

    func json() throws -> JSONValue { try JSONValue.parse(Array(body.utf8)) }
    func string(_ path: String) throws -> String? { try json().at(path)?.stringValue }
    func int(_ path: String) throws -> Int64? { try json().at(path)?.exactIntegerValue }
}

extension JSONValue {
    func conditionStatus(_ type: String) -> String? {
        at("conditions")?.arrayValue?.first { $0.at("type")?.stringValue == type }?.at("status")?.stringValue
    }
}

/// A consumed event and when this process received it.
typealias ReceivedEvent = ReceivedMessage

extension ReceivedMessage {
    func header(_ name: String) -> String? { message.header(name) }

    var reason: String? { header("ce_reason") }
    var type: String? { header("ce_type") }
    var subject: String? { header("ce_subject") }
    var key: String? { message.keyString }
    /// The CloudEvent's `time` (set by the Sentinel when it publishes).
    var time: Date? {
        guard let text = header("ce_time") else { return nil }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }
}

/// The end-to-end tests read every topic and filter events by their CloudEvent attributes.
extension KafkaMessageCollector {
    var all: [ReceivedEvent] { received }

    func on(_ topic: String) -> [ReceivedEvent] { received.filter { $0.message.topic == topic } }

    /// Waits until `filter` matches at least `count` events (or the deadline) and returns the matches.
    @discardableResult
    func waitFor(_ count: Int, within deadline: Duration = .seconds(20), _ filter: @Sendable (ReceivedEvent) -> Bool) async throws -> [ReceivedEvent] {
        try await waitUntil(count, within: deadline, matching: filter)
    }
}
