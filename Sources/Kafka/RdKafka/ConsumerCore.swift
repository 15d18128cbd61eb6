import CRdKafka
import Logging
import Synchronization

/// The consumer's engine: a subscribed handle whose poll thread feeds an async stream.
///
/// Lifecycle: running -> closing (stop requested) -> closed (group left, handle destroyed, stream finished).
final class ConsumerCore: Sendable {
    let messages: AsyncThrowingStream<KafkaConsumerMessage, Error>
    private let continuation: AsyncThrowingStream<KafkaConsumerMessage, Error>.Continuation
    private let client: RdKafkaClient
    private let logger: Logger
    private let stopRequested = Atomic<Bool>(false)
    private let finished = CompletionSignal()

    init(configuration: KafkaConsumerConfiguration, logger: Logger) throws(KafkaError) {
        guard !configuration.topics.isEmpty else {
            throw KafkaError(code: KafkaError.invalidArgumentCode, message: "consumer needs at least one topic", isRetriable: false)
        }
        self.logger = logger
        let client = try RdKafkaClient(
            type: RD_KAFKA_CONSUMER,
            properties: configuration.effectiveProperties,
            context: CallbackContext(logger: logger, deliveries: nil)
        )
        do {
            try Self.subscribe(client.ownerHandle, to: configuration.topics)
        } catch {
            client.destroy()
            throw error
        }
        self.client = client
        (messages, continuation) = AsyncThrowingStream.makeStream(of: KafkaConsumerMessage.self)
        DedicatedThread.start(name: "kafka-consumer-poll") { [self] in runPollLoop() }
        // Abandoning iteration stops the consumer: the stream allows a single iterator anyway.
        continuation.onTermination = { [weak self] _ in self?.requestStop() }
    }

    /// Asks the poll thread to leave the group and tear down.
    func requestStop() {
        stopRequested.store(true, ordering: .releasing)
    }

    /// Stops consuming and waits until the handle is destroyed.
    func close() async {
        requestStop()
        await finished.wait()
    }

    private static func subscribe(_ handle: OpaquePointer, to topics: [String]) throws(KafkaError) {
        // Route group events and records into the one queue served by rd_kafka_consumer_poll.
        let redirect = rd_kafka_poll_set_consumer(handle)
        guard redirect == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError.response(redirect, context: "cannot redirect the main queue to the consumer")
        }
        let list = rd_kafka_topic_partition_list_new(Int32(topics.count))
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for topic in topics {
            rd_kafka_topic_partition_list_add(list, topic, -1)  // RD_KAFKA_PARTITION_UA: any partition
        }
        let error = rd_kafka_subscribe(handle, list)
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError.response(error, context: "cannot subscribe to \(topics)")
        }
    }

    private func runPollLoop() {
        let handle = client.ownerHandle
        var failure: KafkaError?
        while failure == nil, !stopRequested.load(ordering: .acquiring) {
            guard let message = rd_kafka_consumer_poll(handle, 100) else { continue }
            defer { rd_kafka_message_destroy(message) }
            let code = message.pointee.err
            if code == RD_KAFKA_RESP_ERR_NO_ERROR {
                continuation.yield(RdKafkaMessages.consumerMessage(from: message))
            } else if code != RD_KAFKA_RESP_ERR__PARTITION_EOF {
                failure = handleConsumeError(code, handle: handle, message: message)
            }
        }
        let closeError = rd_kafka_consumer_close(handle)
        if closeError != RD_KAFKA_RESP_ERR_NO_ERROR {
            logger.warning("Kafka consumer close reported \(cText(rd_kafka_err2str(closeError)))")
        }
        client.destroy()
        if let failure { continuation.finish(throwing: failure) } else { continuation.finish() }
        logger.debug("Kafka consumer closed")
        finished.signal()
    }

    /// Logs transient consume errors; returns an error only when the client became unusable (fatal error).
    private func handleConsumeError(
        _ code: rd_kafka_resp_err_t, handle: OpaquePointer, message: UnsafeMutablePointer<rd_kafka_message_t>
    ) -> KafkaError? {
        let detail = message.pointee.payload.map {
            String(decoding: UnsafeRawBufferPointer(start: $0, count: message.pointee.len), as: UTF8.self)
        } ?? ""
        var fatalText = [CChar](repeating: 0, count: 512)
        let fatal = rd_kafka_fatal_error(handle, &fatalText, fatalText.count)
        if fatal != RD_KAFKA_RESP_ERR_NO_ERROR {
            var error = KafkaError.response(fatal, context: "Kafka consumer failed fatally")
            error.message += " (\(cText(fatalText)))"
            error.isRetriable = false
            logger.error("\(error)")
            return error
        }
        logger.warning("Kafka consume error \(code.rawValue): \(cText(rd_kafka_err2str(code))) \(detail)")
        return nil
    }
}
