import HyperFleetTestSupport
import Kafka
import Testing

@Suite("Error surfacing and client lifecycles")
struct LifecycleTests {
    @Test("an injected produce error surfaces as a broker KafkaError when retries are disabled")
    func injectedErrorWithoutRetries() async throws {
        let cluster = try KafkaMockCluster(brokers: 1, logger: testLogger)
        defer { cluster.close() }
        let topic = uniqueTopic("noretry")
        try cluster.createTopic(topic, partitions: 1, replicationFactor: 1)
        let producer = try makeProducer(cluster, ["enable.idempotence": "false", "acks": "1", "message.send.max.retries": "0"])
        _ = try await producer.send(KafkaMessage(topic: topic, value: [0]))  // connection and metadata are ready

        try cluster.pushRequestErrors(apiKey: 0, errors: [19])  // NOT_ENOUGH_REPLICAS
        let error = await #expect(throws: KafkaError.self) {
            try await producer.send(KafkaMessage(topic: topic, value: [1]))
        }
        #expect(error?.code == 19)
        #expect(error?.isRetriable == true)
        #expect(error?.message.contains(topic) == true)

        let next = try await producer.send(KafkaMessage(topic: topic, value: [2]))
        #expect(next.offset == 1, "the failed record was not stored")
        await producer.close(timeout: .seconds(1))
    }

    @Test("producers and consumers dropped without close tear down in the background")
    func droppedClients() async throws {
        let cluster = try KafkaMockCluster(brokers: 1, logger: testLogger)
        defer { cluster.close() }
        let topic = uniqueTopic("dropped")
        try cluster.createTopic(topic, partitions: 1, replicationFactor: 1)
        for round in 0..<3 {
            let producer = try makeProducer(cluster)
            let report = try await producer.send(KafkaMessage(topic: topic, value: [UInt8(round)]))
            #expect(report.offset == Int64(round))
            _ = try makeConsumer(cluster, topics: [topic])
            _ = try makeConsumer(cluster, topics: [topic]).messages.makeAsyncIterator()
        }
        try await Task.sleep(for: .milliseconds(300))
        // The cluster still serves new clients after the abandoned ones went away.
        let survivor = try makeProducer(cluster)
        #expect(try await survivor.send(KafkaMessage(topic: topic, value: [9])).offset == 3)
        await survivor.close(timeout: .seconds(1))
    }

    @Test("iterating messages keeps an otherwise unreferenced consumer running")
    func iteratorKeepsConsumerAlive() async throws {
        let cluster = try KafkaMockCluster(brokers: 1, logger: testLogger)
        defer { cluster.close() }
        let topic = uniqueTopic("pinned")
        try cluster.createTopic(topic, partitions: 1, replicationFactor: 1)
        let producer = try makeProducer(cluster)
        _ = try await producer.send(KafkaMessage(topic: topic, value: Array("pinned".utf8)))

        let received = Task { () -> String? in
            for try await message in try makeConsumer(cluster, topics: [topic]).messages {
                return String(decoding: message.value, as: UTF8.self)
            }
            return nil
        }
        let watchdog = Task {
            try await Task.sleep(for: .seconds(20))
            received.cancel()
        }
        #expect(try await received.value == "pinned")
        watchdog.cancel()
        await producer.close(timeout: .seconds(1))
    }

    @Test("a consumer needs at least one topic")
    func consumerWithoutTopics() {
        let error = #expect(throws: KafkaError.self) {
            _ = try KafkaConsumer(
                configuration: KafkaConsumerConfiguration(bootstrapServers: "127.0.0.1:9092", groupID: "g", topics: []),
                logger: testLogger)
        }
        #expect(error?.message.contains("topic") == true)
    }

    @Test("two consumer groups each receive every record")
    func independentGroups() async throws {
        let cluster = try KafkaMockCluster(brokers: 1, logger: testLogger)
        defer { cluster.close() }
        let topic = uniqueTopic("groups")
        try cluster.createTopic(topic, partitions: 2, replicationFactor: 1)
        let producer = try makeProducer(cluster)
        let results = await producer.send((0..<40).map { KafkaMessage(topic: topic, key: Array("k\($0)".utf8), value: Array("\($0)".utf8)) })
        #expect(results.allSatisfy { (try? $0.get()) != nil })

        let first = collect(try makeConsumer(cluster, topics: [topic]))
        let second = collect(try makeConsumer(cluster, topics: [topic]))
        let a = try await first.waitUntil(40, within: .seconds(20)).map(\.message)
        let b = try await second.waitUntil(40, within: .seconds(20)).map(\.message)
        let expected = Set((0..<40).map { "\($0)" })
        #expect(Set(a.map { String(decoding: $0.value, as: UTF8.self) }) == expected)
        #expect(Set(b.map { String(decoding: $0.value, as: UTF8.self) }) == expected)
        await first.consumer.close()
        await second.consumer.close()
        await producer.close(timeout: .seconds(1))
    }
}
