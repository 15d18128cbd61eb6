import CRdKafka
import Logging
import Synchronization

/// Owns a librdkafka mock cluster and the otherwise idle handle it is attached to.
final class MockClusterCore: Sendable {
    let brokerCount: Int32
    let bootstrapServers: String
    private let client: RdKafkaClient
    /// `nil` once closed; the lock also serializes mock control calls with `close()`.
    private let cluster: Mutex<ClusterPointer?>

    /// The mock's C handle; mock control calls are thread-safe (they post to the mock's own thread).
    private struct ClusterPointer: @unchecked Sendable {
        let raw: OpaquePointer
    }

    init(brokers: Int, logger: Logger) throws(KafkaError) {
        guard brokers >= 1, brokers <= 64 else {
            throw KafkaError(code: KafkaError.invalidArgumentCode, message: "mock cluster needs 1...64 brokers, got \(brokers)", isRetriable: false)
        }
        // The mock needs a handle for bookkeeping only; it never connects anywhere.
        let client = try RdKafkaClient(
            type: RD_KAFKA_PRODUCER, properties: ["log_level": "3"],
            context: CallbackContext(logger: logger, deliveries: nil))
        guard let created = rd_kafka_mock_cluster_new(client.ownerHandle, Int32(brokers)) else {
            client.destroy()
            throw KafkaError(code: KafkaError.invalidStateCode, message: "cannot start the librdkafka mock cluster", isRetriable: false)
        }
        self.client = client
        brokerCount = Int32(brokers)
        bootstrapServers = cText(rd_kafka_mock_cluster_bootstraps(created))
        cluster = Mutex(ClusterPointer(raw: created))
    }

    /// Runs a mock control call, translating its response code into a thrown error.
    func control(_ what: String, _ call: (OpaquePointer) -> rd_kafka_resp_err_t) throws(KafkaError) {
        let code = cluster.withLock { cluster -> rd_kafka_resp_err_t? in cluster.map { call($0.raw) } }
        guard let code else { throw KafkaError.closed("mock cluster") }
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError.response(code, context: what) }
    }

    /// Runs a mock control call that reports no result.
    func controlWithoutResult(_ call: (OpaquePointer) -> Void) throws(KafkaError) {
        let ran = cluster.withLock { cluster -> Bool in
            guard let cluster else { return false }
            call(cluster.raw)
            return true
        }
        guard ran else { throw KafkaError.closed("mock cluster") }
    }

    /// Stops the brokers and destroys the handle; later calls do nothing.
    func close() {
        let closing = cluster.withLock { cluster -> ClusterPointer? in
            defer { cluster = nil }
            return cluster
        }
        guard let closing else { return }
        rd_kafka_mock_cluster_destroy(closing.raw)
        client.destroy()
    }

    func setBrokerDown(_ id: Int32) throws(KafkaError) {
        try checkBroker(id)
        try control("cannot take broker \(id) down") { rd_kafka_mock_broker_set_down($0, id) }
    }

    func setBrokerUp(_ id: Int32) throws(KafkaError) {
        try checkBroker(id)
        try control("cannot bring broker \(id) up") { rd_kafka_mock_broker_set_up($0, id) }
    }

    func createTopic(_ name: String, partitions: Int32, replicationFactor: Int32) throws(KafkaError) {
        try control("cannot create mock topic \"\(name)\"") {
            rd_kafka_mock_topic_create($0, name, partitions, replicationFactor)
        }
    }

    func pushRequestErrors(apiKey: Int16, errors: [Int32]) throws(KafkaError) {
        let codes = errors.map { rd_kafka_resp_err_t(rawValue: $0) }
        try controlWithoutResult { cluster in
            codes.withUnsafeBufferPointer { rd_kafka_mock_push_request_errors_array(cluster, apiKey, $0.count, $0.baseAddress) }
        }
    }

    private func checkBroker(_ id: Int32) throws(KafkaError) {
        guard (1...brokerCount).contains(id) else {
            throw KafkaError(code: KafkaError.invalidArgumentCode, message: "broker id \(id) is outside 1...\(brokerCount)", isRetriable: false)
        }
    }
}
