import Foundation
import HyperFleetTestSupport
import Kafka
import Logging
import Synchronization
import Testing

/// Logger for tests: only errors, so expected broker-down warnings do not flood the output.
let testLogger: Logger = {
    var logger = Logger(label: "kafka-tests")
    logger.logLevel = .error
    return logger
}()

/// A topic name no other test uses.
func uniqueTopic(_ purpose: String) -> String {
    "test-\(purpose)-\(UUID().uuidString.prefix(8).lowercased())"
}

/// A producer for `cluster` with short timeouts suitable for tests, plus extra properties.
func makeProducer(_ cluster: KafkaMockCluster, _ properties: [String: String] = [:]) throws -> KafkaProducer {
    var merged = ["reconnect.backoff.ms": "50", "reconnect.backoff.max.ms": "300"]
    merged.merge(properties) { _, new in new }
    return try KafkaProducer(
        configuration: KafkaProducerConfiguration(bootstrapServers: cluster.bootstrapServers, properties: merged),
        logger: testLogger)
}

/// A consumer in a fresh group reading `topics` from the beginning.
func makeConsumer(_ cluster: KafkaMockCluster, topics: [String]) throws -> KafkaConsumer {
    try KafkaConsumer(
        configuration: KafkaConsumerConfiguration(
            bootstrapServers: cluster.bootstrapServers, groupID: "group-\(UUID().uuidString)", topics: topics),
        logger: testLogger)
}

/// Collects a consumer's messages in the background; a failed stream is recorded as a test issue.
func collect(_ consumer: KafkaConsumer) -> KafkaMessageCollector {
    KafkaMessageCollector(consumer) { error in Issue.record("consumer stream failed: \(error)") }
}

/// Runs `body`, failing the test if it takes longer than `limit`.
func expectFinishes(
    within limit: Duration, _ what: String, _ body: @escaping @Sendable () async -> Void
) async {
    let start = ContinuousClock.now
    await body()
    let elapsed = ContinuousClock.now - start
    #expect(elapsed < limit, "\(what) took \(elapsed), limit \(limit)")
}
