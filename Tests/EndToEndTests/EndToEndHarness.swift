import AsyncHTTPClient
import Foundation
import HTTPTypes
import HyperFleetAdapter
import HyperFleetConfig
import HyperFleetDevStack
import HyperFleetJSON
import HyperFleetOps
import HyperFleetTestSupport
import HyperFleetTracing
import Kafka
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import PostgresTestSupport
import ServiceLifecycle
import Synchronization
import Testing

let e2eLogger: Logger = {
    var logger = Logger(label: "e2e-test")
    // E2E_TEST_LOG_LEVEL=debug shows what the API, the Sentinel and the adapters do.
    logger.logLevel = ProcessInfo.processInfo.environment["E2E_TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .critical
    return logger
}()

/// The whole loop in-process, built by `buildDevStackServices` exactly as `hyperfleet dev` builds it
/// (the API over real HTTP with auth off, the Sentinel, the six built-in adapters), on free ports, a
/// fresh test database, a Kafka mock cluster with the three topics and test timings, plus a consumer
/// reading every topic for assertions.
struct E2EHarness: Sendable {
    let kafka: KafkaMockCluster
    let events: KafkaMessageCollector
    let dev: DevConfiguration
    let apiURL: String

    static let topics = ["hyperfleet-clusters", "hyperfleet-nodepools", "hyperfleet-alerts"]
    /// What the dev stack's API requires before a resource is Ready (the defaults).
    static let clusterAdapters = RequiredAdapterSettings().clusters
    static let nodePoolAdapters = RequiredAdapterSettings().nodepools

    /// The dev stack's settings with test timings and free ports.
    /// `tracesTo`: the base URL of an OTLP/HTTP receiver that every component exports its spans to (JSON).
    static func devConfiguration(tracesTo otlpEndpoint: String? = nil) throws -> DevConfiguration {
        var dev = DevConfiguration()
        if let otlpEndpoint {
            dev.tracing.tracesEndpoint = otlpEndpoint + "/v1/traces"
            dev.tracing.otlpProtocol = .httpJSON
        }
        dev.host = "127.0.0.1"
        dev.apiPort = try freePort()
        dev.healthPort = try freePort()
        dev.metricsPort = try freePort()
        dev.sentinelHealthPort = try freePort()
        dev.sentinelTimings.pollInterval = .milliseconds(200)
        dev.sentinelTimings.debounce = .milliseconds(100)
        dev.sentinelTimings.notReadyBackoff = .init(base: .milliseconds(300), max: .seconds(2))
        dev.sentinelTimings.failedBackoff = .init(base: .milliseconds(500), max: .seconds(4))
        dev.sentinelTimings.maxAgeReady = .seconds(3)
        dev.sentinelTimings.staleAdapterAfter = .seconds(6)
        dev.sentinelTimings.staleCheckInterval = .milliseconds(500)
        dev.jobDuration = .milliseconds(150)
        return dev
    }

    /// `shutdownTimeout`: replaces the stack's graceful shutdown time (past it the group cancels what
    /// still runs, and may end with `CancellationError`, which is then not a failure).
    static func run(
        tracesTo otlpEndpoint: String? = nil, shutdownTimeout: Duration? = nil, _ body: @Sendable (E2EHarness) async throws -> Void
    ) async throws {
        let dev = try devConfiguration(tracesTo: otlpEndpoint)
        try await TestDatabase.withFresh { url in
            let kafka = try KafkaMockCluster(brokers: 1, logger: e2eLogger)
            defer { kafka.close() }
            for topic in topics { try kafka.createTopic(topic, partitions: 3, replicationFactor: 1) }
            let events = KafkaMessageCollector(try KafkaConsumer(
                configuration: KafkaConsumerConfiguration(
                    bootstrapServers: kafka.bootstrapServers, groupID: "e2e-\(UUID().uuidString)", topics: topics),
                logger: e2eLogger))
            let adapters = AdapterConfiguration.builtInAdapters.map { adapter in
                var adapter = adapter
                adapter.api.retryBase = .milliseconds(20)
                adapter.api.retryMax = .milliseconds(300)
                return adapter
            }
            #expect(adapters.count == 6, "the six reference adapters")
            var stack: ProcessServices
            do {
                stack = try await buildDevStackServices(
                    configuration: dev, databaseURL: url, brokers: kafka.bootstrapServers, createTopics: false, adapters: adapters,
                    telemetry: .prometheus(logger: e2eLogger))
            } catch {
                await events.stop()
                throw error
            }
            if let shutdownTimeout { stack.shutdownTimeout = shutdownTimeout }
            let group = stack.serviceGroup(logger: e2eLogger, gracefulShutdownSignals: [])
            let running = Task { try await group.run() }
            let harness = E2EHarness(kafka: kafka, events: events, dev: dev, apiURL: dev.apiURL)
            let outcome: Result<Void, any Error>
            do {
                try await harness.waitUntilServing()
                try await body(harness)
                outcome = .success(())
            } catch {
                outcome = .failure(error)
            }
            await group.triggerGracefulShutdown()
            // Bounded, so that a stack that does not stop fails its test instead of stalling the run
            // (roles cancelled mid-work may still wait for librdkafka's own timeouts).
            let limit = stack.shutdownTimeout + .seconds(120)
            guard let groupResult = await ended(running, within: limit) else {
                Issue.record("the stack did not stop within \(limit) of its graceful shutdown")
                await events.stop()
                try outcome.get()
                return
            }
            await stack.cleanup()
            await events.stop()
            if case .failure(let error) = groupResult, !(shutdownTimeout != nil && error is CancellationError) {
                Issue.record("service group ended with \(error)")
            }
            try outcome.get()
        }
    }

    /// The task's result, or nil when it has not ended within `limit` (it is then left running).
    static func ended<T: Sendable>(_ task: Task<T, any Error>, within limit: Duration) async -> Result<T, any Error>? {
        let (results, yield) = AsyncStream<Result<T, any Error>?>.makeStream()
        Task { yield.yield(await task.result) }
        Task {
            try? await Task.sleep(for: limit)
            yield.yield(nil)
        }
        for await result in results { return result }
        return nil
    }

    /// A free loopback port (bound, read, released).
    static func freePort() throws -> Int {
        let channel = try ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).wait()
        defer { try? channel.close().wait() }
        return try #require(channel.localAddress?.port)
    }

    /// Waits until the API answers (it starts with the group, after its migrations).
    func waitUntilServing() async throws {
        let end = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < end {
            if let reply = try? await request(.get, "/api/hyperfleet"), reply.status == 200 { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("the API did not start at \(apiURL)")
        throw E2ETimedOut()
    }

    // MARK: HTTP

    /// The Prometheus text the stack serves on its metrics port.
    func metricsText() async throws -> String {
        let response = try await HTTPClient.shared.execute(
            HTTPClientRequest(url: "http://\(dev.host):\(dev.metricsPort)/metrics"), timeout: .seconds(10))
        return String(buffer: try await response.body.collect(upTo: 16 << 20))
    }

    func request(
        _ method: HTTPRequest.Method, _ path: String, json: String? = nil, contentType: String = "application/json",
        headers: [(String, String)] = []
    ) async throws -> E2EReply {
        var request = HTTPClientRequest(url: apiURL + path)
        request.method = HTTPMethod(rawValue: method.rawValue)
        request.headers.add(contentsOf: headers)
        if let json {
            request.headers.add(name: "Content-Type", value: contentType)
            request.body = .bytes(ByteBuffer(string: json))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 16 << 20)
        return E2EReply(status: Int(response.status.code), body: String(buffer: body), headers: response.headers)
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
        _ path: String, _ what: String, within deadline: Duration = .seconds(60), _ condition: @Sendable (E2EReply) throws -> Bool
    ) async throws -> E2EReply {
        let end = ContinuousClock.now + deadline
        var last: E2EReply
        // Every reply is checked, also one that arrives after the deadline.
        repeat {
            last = try await request(.get, path)
            if try condition(last) { return last }
            try await Task.sleep(for: .milliseconds(50))
        } while ContinuousClock.now < end
        Issue.record("timed out after \(deadline) waiting for \(what) on \(path); last: \(last.status) \(last.body)")
        throw E2ETimedOut()
    }

    @discardableResult
    /// The deadline bounds liveness on a loaded machine (the whole suite runs beside this stack); how
    /// fast the loop is belongs to the benchmarks, not to a test.
    func waitForPhase(_ path: String, _ phase: String, generation: Int64? = nil, within deadline: Duration = .seconds(60)) async throws -> E2EReply {
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
    var headers: HTTPHeaders = [:]

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
    func waitFor(_ count: Int, within deadline: Duration = .seconds(60), _ filter: @Sendable (ReceivedEvent) -> Bool) async throws -> [ReceivedEvent] {
        try await waitUntil(count, within: deadline, matching: filter)
    }
}
