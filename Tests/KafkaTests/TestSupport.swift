import Foundation
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

/// Drains a consumer's stream in the background so tests can wait for counts with a deadline.
final class MessageCollector: Sendable {
    private let received = Mutex<[KafkaConsumerMessage]>([])
    private let task = Mutex<Task<Void, Never>?>(nil)
    let consumer: KafkaConsumer

    init(_ consumer: KafkaConsumer) {
        self.consumer = consumer
        let stream = consumer.messages
        let started = Task { [self] in
            do {
                for try await message in stream { self.received.withLock { $0.append(message) } }
            } catch {
                Issue.record("consumer stream failed: \(error)")
            }
        }
        task.withLock { $0 = started }
    }

    var messages: [KafkaConsumerMessage] { received.withLock { $0 } }

    /// Waits until at least `count` messages arrived or `deadline` passed; returns what arrived.
    func waitFor(count: Int, within deadline: Duration) async throws -> [KafkaConsumerMessage] {
        let clock = ContinuousClock()
        let end = clock.now.advanced(by: deadline)
        while messages.count < count, clock.now < end {
            try await Task.sleep(for: .milliseconds(50))
        }
        return messages
    }
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
