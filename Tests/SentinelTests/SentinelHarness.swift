import Foundation
import HyperFleetJSON
import HyperFleetModel
import HyperFleetStore
import HyperFleetTestSupport
import Kafka
import Logging
import Metrics
import Postgres
import PostgresTestSupport
@testable import Sentinel
import SentinelCore
import Synchronization
import Testing
import Tracing

let quietLogger: Logger = {
    var logger = Logger(label: "sentinel-test")
    logger.logLevel = .critical
    return logger
}()

/// A fresh database, a mock Kafka cluster with the three topics, the API's store (to create and
/// report like the API does), a manual clock, and a consumer reading every topic.
struct SentinelHarness: Sendable {
    let pool: PostgresPool
    let store: ResourceStore
    let kafka: KafkaMockCluster
    let producer: KafkaProducer
    let clock: ManualSentinelClock
    let events: KafkaMessageCollector
    let settings: SentinelSettings
    let databaseURL: String

    static let topics = ["hyperfleet-clusters", "hyperfleet-nodepools", "hyperfleet-alerts"]

    /// Short durations so simulated time moves in seconds.
    static var testSettings: SentinelSettings {
        var settings = SentinelSettings()
        settings.decisions.notReadyBackoffBase = .seconds(10)
        settings.decisions.notReadyBackoffMax = .seconds(80)
        settings.decisions.failedBackoffBase = .seconds(20)
        settings.decisions.failedBackoffMax = .seconds(160)
        settings.decisions.debounce = .seconds(5)
        settings.decisions.maxAgeReady = .seconds(600)
        settings.staleAdapterAfter = .seconds(1200)
        settings.claimLease = .seconds(30)
        settings.publishRetryBase = .milliseconds(100)
        settings.publishRetryMax = .seconds(1)
        return settings
    }

    @discardableResult
    static func run<T: Sendable>(
        brokers: Int = 1, clusterAdapters: [String] = ["validation", "dns"], nodePoolAdapters: [String] = ["validation"],
        producerProperties: [String: String] = [:], configure: (inout SentinelSettings) -> Void = { _ in },
        _ body: @Sendable (SentinelHarness) async throws -> T
    ) async throws -> T {
        try await TestDatabase.withFresh { url in
            let pool = PostgresPool(configuration: PostgresConfiguration(connectionString: url, poolSize: 6, connectTimeout: .seconds(20)), logger: quietLogger)
            let kafka = try KafkaMockCluster(brokers: brokers, logger: quietLogger)
            for topic in topics { try kafka.createTopic(topic, partitions: 3, replicationFactor: Int32(min(brokers, 3))) }
            var properties = ["message.timeout.ms": "3000", "reconnect.backoff.ms": "50", "reconnect.backoff.max.ms": "300"]
            properties.merge(producerProperties) { _, new in new }
            let producer = try KafkaProducer(
                configuration: KafkaProducerConfiguration(bootstrapServers: kafka.bootstrapServers, properties: properties), logger: quietLogger)
            let consumer = try KafkaConsumer(
                configuration: KafkaConsumerConfiguration(bootstrapServers: kafka.bootstrapServers, groupID: "test-\(UUID().uuidString)", topics: topics),
                logger: quietLogger)
            let events = KafkaMessageCollector(consumer)
            var settings = testSettings
            configure(&settings)
            let result: T
            do {
                try await Schema.prepare(pool: pool, clusterAdapters: clusterAdapters, nodePoolAdapters: nodePoolAdapters, logger: quietLogger)
                result = try await body(SentinelHarness(
                    pool: pool, store: ResourceStore(pool: pool, logger: quietLogger), kafka: kafka, producer: producer,
                    clock: ManualSentinelClock(Timestamp.now() + .seconds(1)), events: events, settings: settings, databaseURL: url))
            } catch {
                await events.stop()
                await producer.close(timeout: .seconds(2))
                await pool.close()
                kafka.close()
                throw error
            }
            await events.stop()
            await producer.close(timeout: .seconds(2))
            await pool.close()
            kafka.close()
            return result
        }
    }

    /// A new consumer group reading every topic from the beginning (for after a broker outage,
    /// which the long-lived test consumer may take a while to recover from).
    func freshEvents() throws -> KafkaMessageCollector {
        KafkaMessageCollector(try KafkaConsumer(
            configuration: KafkaConsumerConfiguration(bootstrapServers: kafka.bootstrapServers, groupID: "fresh-\(UUID().uuidString)", topics: Self.topics),
            logger: quietLogger))
    }

    func engine(
        replica: String = "replica-\(UUID().uuidString.prefix(6))", clock: (any SentinelClock)? = nil, logger: Logger = quietLogger,
        tracer: (any Tracer)? = nil, metricsFactory: any MetricsFactory = MetricsSystem.factory
    ) -> SentinelEngine {
        SentinelEngine(
            pool: pool, producer: producer, settings: settings, clock: clock ?? self.clock, logger: logger, metricsFactory: metricsFactory,
            tracer: tracer, replicaID: replica)
    }

    // MARK: API-side actions, through the API's own store

    @discardableResult
    func createCluster(_ name: String, labels: [String: String] = [:]) async throws -> Cluster {
        try await store.createCluster(ResourceCreate(name: name, spec: ["region": .string("eu")], labels: labels), by: "test@example.com")
    }

    func report(_ clusterID: String, adapter: String, generation: Int64, available: ConditionStatus = .true, health: ConditionStatus = .true) async throws {
        let report = StatusReport(
            adapter: adapter, observedGeneration: generation, observedTime: .now(),
            conditions: [
                ReportedCondition(type: "Available", status: available), ReportedCondition(type: "Applied", status: .true),
                ReportedCondition(type: "Health", status: health),
            ], metadata: nil, data: nil)
        _ = try await store.upsertStatus(.cluster(id: clusterID), report)
    }

    /// Runs looks until one finds nothing more to do (the service's loop: `SentinelEngine.drain`).
    func drain(_ engine: SentinelEngine, _ type: WatchedType = .clusters) async throws {
        try await engine.drain(type)
    }
}

/// The Sentinel tests read events per topic.
extension KafkaMessageCollector {
    func on(_ topic: String) -> [KafkaConsumerMessage] { messages.filter { $0.topic == topic } }

    /// Waits until `topic` has at least `count` events (or the deadline passes) and returns them.
    @discardableResult
    func waitFor(_ count: Int, on topic: String = "hyperfleet-clusters", within deadline: Duration = .seconds(15)) async throws -> [KafkaConsumerMessage] {
        try await waitUntil(count, within: deadline) { $0.message.topic == topic }.map(\.message)
    }

    /// Waits a little and returns how many events `topic` has (to assert that nothing more came).
    func settle(_ topic: String = "hyperfleet-clusters", for duration: Duration = .milliseconds(700)) async throws -> Int {
        try await Task.sleep(for: duration)
        return on(topic).count
    }
}

extension KafkaConsumerMessage {
    var reason: String? { header("ce_reason") }

    var data: JSONValue? { try? JSONValue.parse(value) }
}
