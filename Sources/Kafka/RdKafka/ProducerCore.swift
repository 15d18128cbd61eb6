import CRdKafka
import Logging
import Synchronization

/// The producer's engine: one handle, one poll thread, and the delivery-report registry.
///
/// Lifecycle: running -> flushing (close called, new sends rejected) -> closed (poll thread destroyed the
/// handle and failed anything still pending). The poll thread owns the handle's destruction.
final class ProducerCore: Sendable {
    enum Lifecycle { case running, flushing, closed }

    let client: RdKafkaClient
    let deliveries: DeliveryRegistry
    private let logger: Logger
    private let lifecycle = Mutex(Lifecycle.running)
    private let stopRequested = Atomic<Bool>(false)
    private let finished = CompletionSignal()

    init(configuration: KafkaProducerConfiguration, logger: Logger) throws(KafkaError) {
        let deliveries = DeliveryRegistry()
        self.deliveries = deliveries
        self.logger = logger
        client = try RdKafkaClient(
            type: RD_KAFKA_PRODUCER,
            properties: configuration.effectiveProperties,
            context: CallbackContext(logger: logger, deliveries: deliveries)
        )
        DedicatedThread.start(name: "kafka-producer-poll") { [self] in runPollLoop() }
    }

    /// Enqueues `message`; `completion` runs exactly once with the delivery outcome.
    func enqueue(_ message: KafkaMessage, completion: @escaping DeliveryRegistry.Completion) {
        let enqueueError: KafkaError?
        do {
            enqueueError = try client.withHandle { handle in
                deliveries.register(completion) { id in RdKafkaMessages.produce(message, id: id, on: handle) }
            } ?? KafkaError.closed("producer")
        } catch {
            enqueueError = error
        }
        if let enqueueError { completion(.failure(enqueueError)) }
    }

    /// Waits up to `timeout` for every queued message to be acknowledged or failed.
    func flush(timeout: Duration) async -> Bool {
        let milliseconds = timeout.kafkaMilliseconds
        return await DedicatedThread.run(name: "kafka-producer-flush") { [client] in
            let result = try? client.withHandle { handle in rd_kafka_flush(handle, milliseconds) }
            return result == RD_KAFKA_RESP_ERR_NO_ERROR
        }
    }

    /// Stops accepting sends, flushes for at most `timeout`, then tears down; later calls just wait.
    func close(timeout: Duration) async {
        let isFirstClose = lifecycle.withLock { state -> Bool in
            guard state == .running else { return false }
            state = .flushing
            return true
        }
        if isFirstClose {
            deliveries.stopAccepting()
            _ = await flush(timeout: timeout)
            stopRequested.store(true, ordering: .releasing)
        }
        await finished.wait()
    }

    /// Asks the poll thread to tear down without flushing (used when the producer is dropped unclosed).
    func abandon() {
        deliveries.stopAccepting()
        stopRequested.store(true, ordering: .releasing)
    }

    private func runPollLoop() {
        let handle = client.ownerHandle
        while !stopRequested.load(ordering: .acquiring) {
            rd_kafka_poll(handle, 100)
        }
        // Nothing new can be enqueued now; drop what is still queued so destroy does not wait for it.
        deliveries.stopAccepting()
        rd_kafka_purge(handle, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT)
        for _ in 0..<10 where deliveries.count > 0 {
            rd_kafka_poll(handle, 50)
        }
        client.destroy()
        deliveries.failAll(with: KafkaError(
            code: KafkaError.invalidStateCode,
            message: "producer closed before the message was acknowledged", isRetriable: true))
        lifecycle.withLock { $0 = .closed }
        logger.debug("Kafka producer closed")
        finished.signal()
    }
}
