import CRdKafka
import Logging
import Synchronization

/// The consumer's engine: a subscribed handle whose poll thread fills a bounded buffer.
///
/// Lifecycle: running -> closing (stop requested) -> closed (group left, handle destroyed, buffer finished).
final class ConsumerCore: Sendable {
    private let buffer: ConsumerBuffer
    private let client: RdKafkaClient
    private let logger: Logger
    /// Present when the application says when records are finished (`OffsetCommits.whenFinished`).
    private let progress: SharedFinishedOffsets?
    private let stopRequested = Atomic<Bool>(false)
    private let finished = CompletionSignal()

    init(configuration: KafkaConsumerConfiguration, logger: Logger) throws(KafkaError) {
        guard !configuration.topics.isEmpty else {
            throw KafkaError(code: KafkaError.invalidArgumentCode, message: "consumer needs at least one topic", isRetriable: false)
        }
        guard configuration.bufferCapacity > 0 else {
            throw KafkaError(code: KafkaError.invalidArgumentCode, message: "consumer bufferCapacity must be at least 1", isRetriable: false)
        }
        self.logger = logger
        buffer = ConsumerBuffer(capacity: configuration.bufferCapacity)
        let progress = configuration.offsetCommits == .whenFinished ? SharedFinishedOffsets() : nil
        self.progress = progress
        let rebalances = RebalanceHandler(buffer: buffer, progress: progress, logger: logger)
        let client = try RdKafkaClient(
            type: RD_KAFKA_CONSUMER,
            properties: configuration.effectiveProperties,
            context: CallbackContext(logger: logger, deliveries: nil, rebalances: rebalances)
        )
        do {
            try Self.subscribe(client.ownerHandle, to: configuration.topics)
        } catch {
            client.destroy()
            throw error
        }
        self.client = client
        DedicatedThread.start(name: "kafka-consumer-poll") { [self] in runPollLoop() }
    }

    /// The next record; nil once the consumer is closed. Cancelling the caller stops the consumer.
    func next() async throws -> KafkaConsumerMessage? {
        try await withTaskCancellationHandler {
            try await buffer.next()
        } onCancel: { [self] in
            buffer.finish()
            requestStop()
        }
    }

    /// Marks a record finished; stores its partition's new commit offset when that advanced.
    func finished(_ record: KafkaConsumerMessage) {
        guard let progress, let epoch = record.ownership else { return }
        let partition = TopicPartition(topic: record.topic, partition: record.partition)
        // Stored under the lock, so two records finishing at once never store offsets out of order.
        progress.withLock { progress in
            guard let below = progress.finished(partition, offset: record.offset, epoch: epoch) else { return }
            let stored: rd_kafka_resp_err_t?
            do {
                stored = try client.withHandle { handle in Self.storeOffset(below, of: partition, on: handle) }
            } catch {
                stored = nil
            }
            if let stored, stored != RD_KAFKA_RESP_ERR_NO_ERROR {
                // Typically the partition was just revoked; its next owner reads the record again.
                logger.debug("cannot store the offset of \(partition): \(cText(rd_kafka_err2str(stored)))")
            }
        }
    }

    var bufferedCount: Int { buffer.bufferedCount }

    /// Ends delivery; the poll thread idles until `close()`.
    func stopReading() {
        buffer.finish()
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

    private static func storeOffset(_ offset: Int64, of partition: TopicPartition, on handle: OpaquePointer) -> rd_kafka_resp_err_t {
        let list = rd_kafka_topic_partition_list_new(1)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let entry = rd_kafka_topic_partition_list_add(list, partition.topic, partition.partition)
        entry?.pointee.offset = offset
        return rd_kafka_offsets_store(handle, list)
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
            // A full buffer stops the polling (backpressure); the wait is short so a stop is seen.
            guard buffer.waitForRoom(timeout: 0.1) else { continue }
            guard let message = rd_kafka_consumer_poll(handle, 100) else { continue }
            defer { rd_kafka_message_destroy(message) }
            let code = message.pointee.err
            if code == RD_KAFKA_RESP_ERR_NO_ERROR {
                var record = RdKafkaMessages.consumerMessage(from: message)
                if let progress {
                    let partition = TopicPartition(topic: record.topic, partition: record.partition)
                    record.ownership = progress.withLock { $0.received(partition, offset: record.offset) }
                }
                buffer.push(record)
            } else if code != RD_KAFKA_RESP_ERR__PARTITION_EOF {
                failure = handleConsumeError(code, handle: handle, message: message)
            }
        }
        // Records not taken yet are dropped before the group is left, so none is handed over after.
        buffer.finish(failure.map { .failure($0) } ?? .success(()))
        let closeError = rd_kafka_consumer_close(handle)
        if closeError != RD_KAFKA_RESP_ERR_NO_ERROR {
            logger.warning("Kafka consumer close reported \(cText(rd_kafka_err2str(closeError)))")
        }
        client.destroy()
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
