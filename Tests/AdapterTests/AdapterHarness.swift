import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import HyperFleetAdapter
import HyperFleetAPI
import HyperFleetJSON
import HyperFleetModel
import HyperFleetOps
import HyperFleetStore
import Kafka
import Logging
import NIOCore
import Postgres
import HyperFleetTestSupport
import PostgresTestSupport
import ServiceLifecycle
import Synchronization
import Testing

let quietLogger: Logger = {
    var logger = Logger(label: "adapter-test")
    // ADAPTER_TEST_LOG_LEVEL=debug shows what the adapters do.
    logger.logLevel = ProcessInfo.processInfo.environment["ADAPTER_TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .critical
    return logger
}()

/// A real API (HummingbirdTesting `.live`) on a fresh database, a mock Kafka cluster with the two
/// reconcile topics, a producer to publish events the way the Sentinel does, and adapters started on demand.
struct AdapterHarness: Sendable {
    let client: any TestClientProtocol
    let pool: PostgresPool
    let kafka: KafkaMockCluster
    let producer: KafkaProducer
    let apiURL: String
    let adapters: AdapterRunner
    /// The adapters' logs and metrics (one registry per test).
    let telemetry: Telemetry

    static let topics = ["hyperfleet-clusters", "hyperfleet-nodepools"]

    @discardableResult
    static func run<T: Sendable>(
        clusterAdapters: [String] = ["validation", "dns", "pullsecret", "hypershift"],
        nodePoolAdapters: [String] = ["validation", "hypershift"],
        _ body: @Sendable (AdapterHarness) async throws -> T
    ) async throws -> T {
        try await TestDatabase.withFresh { url in
            let pool = PostgresPool(
                configuration: PostgresConfiguration(connectionString: url, poolSize: 6, connectTimeout: .seconds(20)), logger: quietLogger)
            let kafka = try KafkaMockCluster(brokers: 1, logger: quietLogger)
            for topic in topics { try kafka.createTopic(topic, partitions: 2, replicationFactor: 1) }
            let producer = try KafkaProducer(
                configuration: KafkaProducerConfiguration(bootstrapServers: kafka.bootstrapServers, properties: ["message.timeout.ms": "5000"]),
                logger: quietLogger)
            let adapters = AdapterRunner()
            let result: T
            do {
                try await Schema.prepare(pool: pool, clusterAdapters: clusterAdapters, nodePoolAdapters: nodePoolAdapters, logger: quietLogger)
                let store = ResourceStore(pool: pool, logger: quietLogger)
                var settings = APIServerSettings()
                settings.port = 0
                let app = buildAPIApplication(store: store, authenticator: nil, settings: settings, logger: quietLogger)
                result = try await app.test(.live) { client in
                    let port = try #require(client.port)
                    let harness = AdapterHarness(
                        client: client, pool: pool, kafka: kafka, producer: producer, apiURL: "http://127.0.0.1:\(port)",
                        adapters: adapters, telemetry: .prometheus(logger: quietLogger))
                    let result: T
                    do {
                        result = try await body(harness)
                    } catch {
                        await adapters.stopAll()
                        throw error
                    }
                    await adapters.stopAll()
                    return result
                }
            } catch {
                await adapters.stopAll()
                await producer.close(timeout: .seconds(2))
                await pool.close()
                kafka.close()
                throw error
            }
            await producer.close(timeout: .seconds(2))
            await pool.close()
            kafka.close()
            return result
        }
    }

    // MARK: Adapters

    /// An adapter configuration pointing at this harness, from a shipped file under `config/adapters/`
    /// (nil: defaults), with a short job.
    func configuration(
        file: String? = nil, name: String? = nil, type: AdapterResourceType = .clusters, preconditions: [String]? = nil,
        jobDuration: Duration = .milliseconds(200)
    ) throws -> AdapterConfiguration {
        var configuration = try AdapterConfiguration.load(file: file.map(Self.configFile), environment: [:])
        if let name { configuration.name = name }
        if file == nil { configuration.resourceType = type }
        if let preconditions { configuration.preconditions = preconditions }
        configuration.api.url = apiURL
        configuration.api.retryBase = .milliseconds(20)
        configuration.api.retryMax = .milliseconds(200)
        configuration.kafka.brokers = kafka.bootstrapServers
        // A restarted member (after `crash`) rejoins once the old member's session is over: the mock
        // coordinator waits out the session even after a clean leave, so keep it at the broker minimum.
        configuration.kafka.properties = ["session.timeout.ms": "6000", "heartbeat.interval.ms": "500"]
        configuration.jobDuration = jobDuration
        configuration.host = "127.0.0.1"
        configuration.healthPort = 0
        configuration.metricsPort = 0
        try configuration.validate()
        return configuration
    }

    static func configFile(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("config/adapters/\(name)").path
    }

    /// Starts an adapter as `hyperfleet adapter` would (its builder), in the background, stopped when
    /// the test ends; `crash` ends it with `AdapterCrashError` instead of exiting.
    @discardableResult
    func start(_ configuration: AdapterConfiguration) async throws -> AdapterRun {
        await adapters.start(try await buildAdapterServices(configuration: configuration, telemetry: telemetry, exitOnCrash: false))
    }

    // MARK: Metrics

    /// The current value of one sample of the adapters' metrics, e.g. `name{a="b"}`; nil when absent.
    func metric(_ sample: String) -> Double? {
        TestMetrics.value(sample, in: telemetry.renderMetrics())
    }

    /// Waits until a sample reaches `value`.
    func waitForMetric(_ sample: String, _ value: Double, within deadline: Duration = .seconds(30)) async throws {
        let end = ContinuousClock.now + deadline
        while ContinuousClock.now < end {
            if (metric(sample) ?? 0) >= value { return }
            try await Task.sleep(for: .milliseconds(25))
        }
        Issue.record("\(sample) did not reach \(value): \(metric(sample) ?? 0)")
    }

    // MARK: Events

    /// Publishes a reconcile event shaped like the Sentinel's (ReconcileEvents).
    /// `extensions` adds CloudEvent extension attributes (for example `traceparent`).
    func publish(
        cluster id: String, generation: Int64 = 1, reason: String = "created", mode: CloudEventMode = .binary,
        extensions: [String: String] = [:]
    ) async throws {
        let data: JSONValue = .object([
            "id": .string(id), "kind": .string("Cluster"), "href": .string(Paths.cluster(id)),
            "generation": .int(generation), "reason": .string(reason),
        ])
        try await publish(data, id: id, type: .clusters, reason: reason, mode: mode, extensions: extensions)
    }

    func publish(nodePool id: String, cluster clusterID: String, generation: Int64 = 1, reason: String = "created") async throws {
        let data: JSONValue = .object([
            "id": .string(id), "kind": .string("NodePool"), "href": .string(Paths.nodePool(clusterID: clusterID, id: id)),
            "generation": .int(generation), "reason": .string(reason),
            "owner_references": .object([
                "id": .string(clusterID), "kind": .string("Cluster"), "href": .string(Paths.cluster(clusterID)),
            ]),
        ])
        try await publish(data, id: id, type: .nodepools, reason: reason, mode: .binary)
    }

    private func publish(
        _ data: JSONValue, id: String, type: AdapterResourceType, reason: String, mode: CloudEventMode, extensions: [String: String] = [:]
    ) async throws {
        let event = CloudEvent(
            source: "hyperfleet-sentinel", type: type.eventType, time: Date(), subject: id,
            extensions: extensions.merging(["reason": reason]) { _, reason in reason },
            data: Array(data.serialized().utf8))
        _ = try await producer.send(event.kafkaMessage(topic: type.defaultTopic, key: id, mode: mode))
    }

    /// Publishes a raw record (for undecodable input).
    func publishRaw(_ value: [UInt8], headers: [KafkaHeader] = [], topic: String = "hyperfleet-clusters") async throws {
        _ = try await producer.send(KafkaMessage(topic: topic, key: Array("junk".utf8), value: value, headers: headers))
    }

    // MARK: API

    @discardableResult
    func request(_ method: HTTPRequest.Method, _ path: String, json: String? = nil, contentType: String = "application/json") async throws -> Reply {
        var headers: HTTPFields = [:]
        if json != nil { headers[.contentType] = contentType }
        let response = try await client.execute(uri: path, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) })
        return Reply(status: response.status.code, body: String(buffer: response.body))
    }

    func createCluster(_ name: String, spec: String = "{}") async throws -> String {
        let reply = try await request(.post, "/api/hyperfleet/v1/clusters", json: #"{"kind":"Cluster","name":"\#(name)","spec":\#(spec)}"#)
        try #require(reply.status == 201, "create cluster: \(reply.status) \(reply.body)")
        return try #require(try reply.string("id"))
    }

    func createNodePool(_ clusterID: String, _ name: String, spec: String = "{}") async throws -> String {
        let reply = try await request(.post, "/api/hyperfleet/v1/clusters/\(clusterID)/nodepools", json: #"{"name":"\#(name)","spec":\#(spec)}"#)
        try #require(reply.status == 201, "create nodepool: \(reply.status) \(reply.body)")
        return try #require(try reply.string("id"))
    }

    func cluster(_ id: String) async throws -> Reply {
        try await request(.get, Paths.cluster(id))
    }

    /// The stored status of `adapter` on the resource at `path`, or nil when it never reported.
    func status(_ path: String, adapter: String) async throws -> JSONValue? {
        let reply = try await request(.get, path + "/statuses?pageSize=100")
        try #require(reply.status == 200, "statuses: \(reply.status) \(reply.body)")
        return try reply.json().at("items")?.arrayValue?.first { $0.at("adapter")?.stringValue == adapter }
    }

    /// Polls until `condition` holds for the adapter's stored status (or the deadline passes) and returns it.
    /// The deadline only bounds a failure: the whole suite runs at once on two cores, and a request can
    /// then take seconds.
    @discardableResult
    func waitForStatus(
        _ path: String, adapter: String, within deadline: Duration = .seconds(60),
        _ condition: @Sendable (JSONValue) -> Bool = { _ in true }
    ) async throws -> JSONValue {
        let end = ContinuousClock.now + deadline
        var last: JSONValue?
        while ContinuousClock.now < end {
            last = try await status(path, adapter: adapter)
            if let last, condition(last) { return last }
            try await Task.sleep(for: .milliseconds(25))
        }
        Issue.record("timed out waiting for \(adapter) on \(path); last: \(last.map { $0.serialized() } ?? "nothing")")
        throw TimedOut()
    }

    /// Polls until the resource's phase is `phase`, publishing a cluster event every `every` (like the
    /// Sentinel would while adapters progress).
    func waitForPhase(
        cluster id: String, _ phase: String, publishingEvery every: Duration? = nil, within deadline: Duration = .seconds(60)
    ) async throws -> Reply {
        let end = ContinuousClock.now + deadline
        var nextPublish = ContinuousClock.now
        var last: Reply
        // Every reply is checked, also one that arrives after the deadline (a slow request used to end
        // the wait with a reply in the awaited phase unchecked).
        repeat {
            last = try await cluster(id)
            if try last.string("status.phase") == phase { return last }
            if let every, ContinuousClock.now >= nextPublish {
                try await publish(cluster: id, generation: try last.int("generation") ?? 1, reason: "not_ready_backoff")
                nextPublish = ContinuousClock.now + every
            }
            try await Task.sleep(for: .milliseconds(50))
        } while ContinuousClock.now < end
        Issue.record("cluster \(id) never reached \(phase): \(last.body)")
        throw TimedOut()
    }
}

struct TimedOut: Error {}

/// A response, with helpers to read its JSON.
struct Reply: Sendable {
    var status: Int
    var body: String

    func json() throws -> JSONValue { try JSONValue.parse(Array(body.utf8)) }
    func string(_ path: String) throws -> String? { try json().at(path)?.stringValue }
    func int(_ path: String) throws -> Int64? { try json().at(path)?.exactIntegerValue }
}

extension JSONValue {
    /// The adapter status's condition of `type` (`Available`, `Applied`, `Health`, `Finalized`).
    func condition(_ type: String) -> JSONValue? {
        at("conditions")?.arrayValue?.first { $0.at("type")?.stringValue == type }
    }

    func conditionStatus(_ type: String) -> String? { condition(type)?.at("status")?.stringValue }
    func conditionReason(_ type: String) -> String? { condition(type)?.at("reason")?.stringValue }
    var observedGeneration: Int64? { at("observed_generation")?.exactIntegerValue }
}

/// A running adapter service and the outcome of its `run()`.
final class AdapterRun: Sendable {
    private final class Outcome: Sendable {
        let value = Mutex<Result<Void, any Error>?>(nil)
    }

    let task: Task<Void, Never>
    private let box = Outcome()
    private let group: ServiceGroup

    init(_ services: ProcessServices) {
        let box = self.box
        // The returned services as `ProcessServices.run` runs them, without taking over the test
        // process's signals.
        let group = ServiceGroup(configuration: .init(services: services.services, logger: quietLogger))
        self.group = group
        task = Task {
            let result: Result<Void, any Error>
            do {
                try await group.run()
                result = .success(())
            } catch {
                result = .failure(error)
            }
            await services.cleanup()
            box.value.withLock { $0 = result }
        }
    }

    /// Shuts the services down gracefully, as SIGTERM would (the tracer's services flush their spans), and
    /// waits for them to end.
    func shutDown() async {
        await group.triggerGracefulShutdown()
        await task.value
    }

    /// Waits for `run()` to end by itself (or the deadline), returning its result; nil on timeout.
    func result(within deadline: Duration) async throws -> Result<Void, any Error>? {
        let end = ContinuousClock.now + deadline
        while ContinuousClock.now < end {
            if let result = box.value.withLock({ $0 }) { return result }
            try await Task.sleep(for: .milliseconds(25))
        }
        return box.value.withLock { $0 }
    }
}

/// Every adapter a test started, stopped (cancelled and awaited) when it ends.
actor AdapterRunner {
    private var runs: [AdapterRun] = []

    func start(_ services: ProcessServices) -> AdapterRun {
        let run = AdapterRun(services)
        runs.append(run)
        return run
    }

    func stopAll() async {
        for run in runs { run.task.cancel() }
        for run in runs { _ = await run.task.value }
        runs.removeAll()
    }
}
