import Logging

/// librdkafka's in-process mock cluster: a real Kafka-protocol server on loopback, for tests.
public final class KafkaMockCluster: Sendable {
    private let core: MockClusterCore

    /// Starts `brokers` mock brokers (ids 1...brokers).
    public init(brokers: Int, logger: Logger) throws(KafkaError) {
        core = try MockClusterCore(brokers: brokers, logger: logger)
    }

    deinit {
        core.close()
    }

    /// The `host:port,...` list clients should bootstrap from.
    public var bootstrapServers: String { core.bootstrapServers }

    /// Creates a topic directly on the mock (the mock's alternative to the CreateTopics admin request).
    public func createTopic(_ name: String, partitions: Int32, replicationFactor: Int32) throws(KafkaError) {
        try core.createTopic(name, partitions: partitions, replicationFactor: replicationFactor)
    }

    /// Disconnects broker `brokerID` and refuses new connections (no leader change).
    public func setBrokerDown(_ brokerID: Int32) throws(KafkaError) {
        try core.setBrokerDown(brokerID)
    }

    /// Lets broker `brokerID` accept connections again.
    public func setBrokerUp(_ brokerID: Int32) throws(KafkaError) {
        try core.setBrokerUp(brokerID)
    }

    /// Makes the next `errors.count` requests with `apiKey` (e.g. Produce = 0) fail with these codes, in order.
    public func pushRequestErrors(apiKey: Int16, errors: [Int32]) throws(KafkaError) {
        try core.pushRequestErrors(apiKey: apiKey, errors: errors)
    }

    /// Stops the brokers; clients connected to them will see transport errors.
    public func close() {
        core.close()
    }
}
