import Kafka
import Testing

@Suite("Configuration, admin and liveness")
struct ConfigurationAndAdminTests {
    @Test("an unknown producer property is an init error naming it")
    func unknownProducerProperty() throws {
        let error = #expect(throws: KafkaError.self) {
            _ = try KafkaProducer(
                configuration: KafkaProducerConfiguration(bootstrapServers: "127.0.0.1:9092", properties: ["no.such.thing": "1"]),
                logger: testLogger)
        }
        #expect(error?.message.contains("no.such.thing") == true)
        #expect(error?.message.contains("unknown") == true)
        #expect(error?.isRetriable == false)
    }

    @Test("an invalid property value on a consumer is an init error naming the property")
    func invalidConsumerValue() throws {
        let error = #expect(throws: KafkaError.self) {
            _ = try KafkaConsumer(
                configuration: KafkaConsumerConfiguration(
                    bootstrapServers: "127.0.0.1:9092", groupID: "g", topics: ["t"],
                    properties: ["auto.offset.reset": "sideways"]),
                logger: testLogger)
        }
        #expect(error?.message.contains("auto.offset.reset") == true)
    }

    @Test("defaults are applied but user properties win")
    func producerDefaults() {
        #expect(KafkaProducerConfiguration.defaultProperties["enable.idempotence"] == "true")
        #expect(KafkaProducerConfiguration.defaultProperties["acks"] == "all")
        #expect(KafkaProducerConfiguration.defaultProperties["linger.ms"] == "5")
        #expect(KafkaProducerConfiguration.defaultProperties["message.timeout.ms"] == "10000")
        #expect(KafkaConsumerConfiguration.defaultProperties["auto.offset.reset"] == "earliest")
        #expect(KafkaConsumerConfiguration.defaultProperties["enable.auto.commit"] == "true")
        #expect(KafkaConsumerConfiguration.defaultProperties["queued.max.messages.kbytes"] == "8192")
    }

    // librdkafka 2.0.2's mock cluster has no CreateTopics handler (and reports no controller), so the
    // admin request can only be exercised up to its bounded, retriable failure here.
    @Test("createTopics against the mock fails in bounded time with a clear retriable error")
    func createTopicsOnMock() async throws {
        let cluster = try KafkaMockCluster(brokers: 1, logger: testLogger)
        defer { cluster.close() }
        let producer = try makeProducer(cluster)
        try await producer.createTopics([], partitions: 1, replicationFactor: 1, timeout: .seconds(1))

        let start = ContinuousClock.now
        let error = await #expect(throws: KafkaError.self) {
            try await producer.createTopics([uniqueTopic("admin")], partitions: 3, replicationFactor: 1, timeout: .seconds(1))
        }
        #expect(ContinuousClock.now - start < .seconds(15), "bounded by its timeout, not hanging")
        #expect(error?.code == KafkaError.timedOutCode)
        #expect(error?.isRetriable == true)
        #expect(error?.message.contains("CreateTopics") == true)

        let invalid = await #expect(throws: KafkaError.self) {
            try await producer.createTopics(["bad"], partitions: 0, replicationFactor: 1, timeout: .seconds(1))
        }
        #expect(invalid?.message.contains("bad") == true)

        await producer.close(timeout: .seconds(1))
        let closed = await #expect(throws: KafkaError.self) {
            try await producer.createTopics(["late"], partitions: 1, replicationFactor: 1, timeout: .seconds(1))
        }
        #expect(closed?.code == KafkaError.invalidStateCode)
    }

    @Test("topics created on the mock cluster get the requested partitions")
    func mockTopicPartitions() async throws {
        let cluster = try KafkaMockCluster(brokers: 1, logger: testLogger)
        defer { cluster.close() }
        let topic = uniqueTopic("partitions")
        try cluster.createTopic(topic, partitions: 3, replicationFactor: 1)
        let producer = try makeProducer(cluster)
        let reports = await producer.send((0..<30).map { KafkaMessage(topic: topic, key: Array("k\($0)".utf8), value: [1]) })
        let partitions = Set(try reports.map { try $0.get().partition })
        #expect(partitions == [0, 1, 2], "30 distinct keys should hit all 3 partitions")
        await producer.close(timeout: .seconds(2))
    }

    @Test("isBrokerReachable is true for a live cluster and false for a dead address")
    func brokerReachability() async throws {
        let cluster = try KafkaMockCluster(brokers: 1, logger: testLogger)
        defer { cluster.close() }
        let live = try makeProducer(cluster)
        #expect(await live.isBrokerReachable(timeout: .seconds(3)))
        await live.close(timeout: .seconds(1))
        #expect(await live.isBrokerReachable(timeout: .seconds(1)) == false, "a closed producer reaches nothing")

        let dead = try KafkaProducer(
            configuration: KafkaProducerConfiguration(bootstrapServers: "127.0.0.1:1"), logger: testLogger)
        let start = ContinuousClock.now
        #expect(await dead.isBrokerReachable(timeout: .milliseconds(500)) == false)
        #expect(ContinuousClock.now - start < .seconds(15), "bounded by its timeout, not hanging")
        await dead.close(timeout: .milliseconds(100))
    }

    @Test("mock cluster rejects unknown broker ids and calls after close")
    func mockClusterValidation() throws {
        let cluster = try KafkaMockCluster(brokers: 2, logger: testLogger)
        #expect(cluster.bootstrapServers.split(separator: ",").count == 2)
        #expect(throws: KafkaError.self) { try cluster.setBrokerDown(3) }
        #expect(throws: KafkaError.self) { try cluster.setBrokerUp(0) }
        try cluster.setBrokerDown(2)
        try cluster.setBrokerUp(2)
        cluster.close()
        let error = #expect(throws: KafkaError.self) { try cluster.createTopic("late", partitions: 1, replicationFactor: 1) }
        #expect(error?.code == KafkaError.invalidStateCode)
        #expect(throws: KafkaError.self) { _ = try KafkaMockCluster(brokers: 0, logger: testLogger) }
    }
}
