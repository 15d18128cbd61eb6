import Logging

/// An asynchronous Kafka producer; every send resolves when the broker acknowledges it (or it fails).
///
/// Call `close(timeout:)` when done. A producer dropped without closing tears down in the background and
/// fails its unacknowledged messages.
public final class KafkaProducer: Sendable {
    private let core: ProducerCore

    /// Creates the producer; throws if a property is unknown or invalid (the error names it).
    public init(configuration: KafkaProducerConfiguration, logger: Logger) throws(KafkaError) {
        core = try ProducerCore(configuration: configuration, logger: logger)
    }

    deinit {
        core.abandon()
    }

    /// Returns after the delivery report: the broker acknowledged, or throws (timed out / failed).
    public func send(_ message: KafkaMessage) async throws(KafkaError) -> DeliveryReport {
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<DeliveryReport, KafkaError>, Never>) in
            core.enqueue(message) { continuation.resume(returning: $0) }
        }
        return try result.get()
    }

    /// Many at once, each with its own result, in order (for batch publishing).
    ///
    /// Messages are enqueued in array order, so records with the same key keep their relative order.
    public func send(_ messages: [KafkaMessage]) async -> [Result<DeliveryReport, KafkaError>] {
        guard !messages.isEmpty else { return [] }
        return await withCheckedContinuation { continuation in
            let batch = BatchResults(count: messages.count, continuation: continuation)
            for (index, message) in messages.enumerated() {
                core.enqueue(message) { batch.record($0, at: index) }
            }
        }
    }

    /// Number of sends still waiting for their delivery report.
    public var outstandingCount: Int { core.deliveries.count }

    /// Waits up to `timeout` for all outstanding messages; `true` when none is left.
    public func flush(timeout: Duration) async -> Bool {
        await core.flush(timeout: timeout)
    }

    /// Rejects new sends, flushes for at most `timeout`, fails whatever is left, then releases the client.
    public func close(timeout: Duration) async {
        await core.close(timeout: timeout)
    }

    /// Cheap liveness probe: metadata request with a short timeout; false when no broker answers.
    public func isBrokerReachable(timeout: Duration) async -> Bool {
        let milliseconds = timeout.kafkaMilliseconds
        return await DedicatedThread.run(name: "kafka-metadata") { [core] in
            let reachable = try? core.client.withHandle { RdKafkaAdmin.canFetchMetadata($0, timeoutMilliseconds: milliseconds) }
            return reachable == true
        }
    }

    /// Admin: create topics that do not exist yet (ignore TOPIC_ALREADY_EXISTS).
    public func createTopics(
        _ names: [String], partitions: Int32, replicationFactor: Int16, timeout: Duration
    ) async throws(KafkaError) {
        let milliseconds = timeout.kafkaMilliseconds
        let result = await DedicatedThread.run(name: "kafka-create-topics") { [core] () -> Result<Void, KafkaError> in
            do throws(KafkaError) {
                let created: Void? = try core.client.withHandle { handle throws(KafkaError) in
                    try RdKafkaAdmin.createTopics(
                        handle, names: names, partitions: partitions,
                        replicationFactor: replicationFactor, timeoutMilliseconds: milliseconds)
                }
                return created == nil ? .failure(.closed("producer")) : .success(())
            } catch {
                return .failure(error)
            }
        }
        try result.get()
    }
}
