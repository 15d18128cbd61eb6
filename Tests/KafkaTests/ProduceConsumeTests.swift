import HyperFleetTestSupport
import Kafka
import Testing

@Suite("Producing and consuming through the mock cluster")
struct ProduceConsumeTests {
    @Test("a record keeps its key, value and headers end to end")
    func roundTrip() async throws {
        let cluster = try KafkaMockCluster(brokers: 1, logger: testLogger)
        defer { cluster.close() }
        let topic = uniqueTopic("roundtrip")
        try cluster.createTopic(topic, partitions: 1, replicationFactor: 1)
        let producer = try makeProducer(cluster)
        let headers = [KafkaHeader(key: "trace", string: "abc"), KafkaHeader(key: "empty", value: [])]
        let message = KafkaMessage(topic: topic, key: Array("key-1".utf8), value: [0, 1, 2, 255], headers: headers)

        let report = try await producer.send(message)
        #expect(report.topic == topic)
        #expect(report.partition == 0)
        #expect(report.offset == 0)

        let consumer = try makeConsumer(cluster, topics: [topic])
        let collector = collect(consumer)
        let received = try await collector.waitUntil(1, within: .seconds(20)).map(\.message)
        let first = try #require(received.first, "nothing consumed within 20 s")
        #expect(first.topic == topic)
        #expect(first.offset == 0)
        #expect(first.key == Array("key-1".utf8))
        #expect(first.value == [0, 1, 2, 255])
        #expect(first.headers == headers)
        await consumer.close()
        await producer.close(timeout: .seconds(2))
    }

    @Test("1,000 concurrent sends are all acknowledged with distinct offsets")
    func thousandConcurrentSends() async throws {
        let cluster = try KafkaMockCluster(brokers: 3, logger: testLogger)
        defer { cluster.close() }
        let topic = uniqueTopic("bulk")
        try cluster.createTopic(topic, partitions: 4, replicationFactor: 3)
        let producer = try makeProducer(cluster)

        let reports = try await withThrowingTaskGroup(of: DeliveryReport.self) { group in
            for index in 0..<1000 {
                group.addTask {
                    try await producer.send(KafkaMessage(topic: topic, key: Array("k\(index % 17)".utf8), value: Array("\(index)".utf8)))
                }
            }
            return try await group.reduce(into: [DeliveryReport]()) { $0.append($1) }
        }
        #expect(reports.count == 1000)
        #expect(reports.allSatisfy { $0.offset >= 0 && (0..<4).contains($0.partition) })
        let positions = Set(reports.map { "\($0.partition)/\($0.offset)" })
        #expect(positions.count == 1000, "every record must occupy its own partition offset")
        #expect(producer.outstandingCount == 0)
        await producer.close(timeout: .seconds(2))
    }

    @Test("a batch send returns one result per message, in order")
    func batchSendKeepsOrder() async throws {
        let cluster = try KafkaMockCluster(brokers: 1, logger: testLogger)
        defer { cluster.close() }
        let topic = uniqueTopic("batch")
        try cluster.createTopic(topic, partitions: 1, replicationFactor: 1)
        let producer = try makeProducer(cluster)
        let messages = (0..<50).map { KafkaMessage(topic: topic, key: Array("same".utf8), value: Array("\($0)".utf8)) }

        let results = await producer.send(messages)
        let offsets = try results.map { try $0.get().offset }
        #expect(offsets == Array(0..<50), "same-key records keep their order on one partition")
        #expect(await producer.send([]).isEmpty)
        await producer.close(timeout: .seconds(2))
    }

    @Test("closing a consumer finishes its message stream")
    func consumerCloseFinishesStream() async throws {
        let cluster = try KafkaMockCluster(brokers: 1, logger: testLogger)
        defer { cluster.close() }
        let topic = uniqueTopic("close")
        try cluster.createTopic(topic, partitions: 1, replicationFactor: 1)
        let consumer = try makeConsumer(cluster, topics: [topic])
        let stream = consumer.messages
        let drained = Task { () -> Int in
            var count = 0
            for try await _ in stream { count += 1 }
            return count
        }
        try await Task.sleep(for: .milliseconds(300))
        await expectFinishes(within: .seconds(15), "consumer close") { await consumer.close() }
        let count = try await drained.value
        #expect(count == 0)
    }
}
