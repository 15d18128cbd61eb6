import CRdKafka
import Logging
import Synchronization

/// Applies group rebalances on the consumer's poll thread (librdkafka serves the callback inside
/// `rd_kafka_consumer_poll`): takes the new assignment and, when the application says which records
/// are finished, forgets what was revoked, so records of a partition this member no longer owns
/// neither reach the application nor move a stored offset.
final class RebalanceHandler: Sendable {
    private let buffer: ConsumerBuffer
    private let progress: SharedFinishedOffsets?
    private let logger: Logger

    init(buffer: ConsumerBuffer, progress: SharedFinishedOffsets?, logger: Logger) {
        self.buffer = buffer
        self.progress = progress
        self.logger = logger
    }

    func rebalance(_ handle: OpaquePointer, _ event: rd_kafka_resp_err_t, _ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) {
        let partitions = Self.partitions(in: list)
        let cooperative = cText(rd_kafka_rebalance_protocol(handle)) == "COOPERATIVE"
        if event == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS {
            logger.debug("partitions assigned: \(partitions.map(\.description).sorted())")
            progress?.withLock { $0.assigned(partitions) }
            if cooperative {
                Self.check(rd_kafka_incremental_assign(handle, list), "incremental assign", logger: logger)
            } else {
                Self.check(rd_kafka_assign(handle, list).asError, "assign", logger: logger)
            }
            return
        }
        // Revoked, or an error: give up the partitions (the stored offsets are committed first by
        // librdkafka when auto commit is on).
        logger.debug("partitions revoked: \(partitions.map(\.description).sorted())")
        let revoked = Set(partitions)
        if let progress {
            progress.withLock { $0.revoked(revoked) }
            // Their next owner reads them again from the committed offset. (Without `progress`,
            // librdkafka stored their offsets on delivery already: they stay to be handled here.)
            buffer.discard { revoked.contains(TopicPartition(topic: $0.topic, partition: $0.partition)) }
        }
        if cooperative {
            Self.check(rd_kafka_incremental_unassign(handle, list), "incremental unassign", logger: logger)
        } else {
            Self.check(rd_kafka_assign(handle, nil).asError, "unassign", logger: logger)
        }
    }

    private static func partitions(in list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) -> [TopicPartition] {
        (0..<Int(list.pointee.cnt)).map { index in
            let element = list.pointee.elems[index]
            return TopicPartition(topic: cText(element.topic), partition: element.partition)
        }
    }

    private static func check(_ error: OpaquePointer?, _ what: String, logger: Logger) {
        guard let error else { return }
        defer { rd_kafka_error_destroy(error) }
        logger.warning("Kafka \(what) failed: \(cText(rd_kafka_error_string(error)))")
    }

    private static func check(_ error: rd_kafka_resp_err_t?, _ what: String, logger: Logger) {
        guard let error, error != RD_KAFKA_RESP_ERR_NO_ERROR else { return }
        logger.warning("Kafka \(what) failed: \(cText(rd_kafka_err2str(error)))")
    }
}

extension rd_kafka_resp_err_t {
    fileprivate var asError: rd_kafka_resp_err_t? { self == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : self }
}
