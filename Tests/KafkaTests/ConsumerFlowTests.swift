import Foundation
import HyperFleetTestSupport
import Kafka
import Testing

@Suite("Consumer backpressure and finished offsets")
struct ConsumerFlowTests {
    @Test("a consumer whose records are not taken holds at most its buffer's capacity, then delivers all in order")
    func boundedBuffer() async throws {
        let cluster = try KafkaMockCluster(brokers: 1, logger: testLogger)
        defer { cluster.close() }
        let topic = uniqueTopic("bounded")
        try cluster.createTopic(topic, partitions: 1, replicationFactor: 1)
        let producer = try makeProducer(cluster)
        let results = await producer.send((0..<300).map { KafkaMessage(topic: topic, value: Array("\($0)".utf8)) })
        #expect(results.allSatisfy { (try? $0.get()) != nil })

        let consumer = try KafkaConsumer(
            configuration: KafkaConsumerConfiguration(
                bootstrapServers: cluster.bootstrapServers, groupID: "group-\(UUID().uuidString)", topics: [topic],
                bufferCapacity: 8),
            logger: testLogger)
        let filled = ContinuousClock.now + .seconds(20)
        while consumer.bufferedCount < 8, ContinuousClock.now < filled { try await Task.sleep(for: .milliseconds(20)) }
        #expect(consumer.bufferedCount == 8)
        try await Task.sleep(for: .milliseconds(500))
        #expect(consumer.bufferedCount == 8, "nothing beyond the capacity is taken from librdkafka")

        var values: [String] = []
        for try await message in consumer.messages {
            values.append(String(decoding: message.value, as: UTF8.self))
            if values.count == 300 { break }
        }
        #expect(values == (0..<300).map { "\($0)" })
        await consumer.close()
        await producer.close(timeout: .seconds(1))
    }

    @Test("the group commits the offset below which every record was finished")
    func commitsFinishedPrefix() async throws {
        let cluster = try KafkaMockCluster(brokers: 1, logger: testLogger)
        defer { cluster.close() }
        let topic = uniqueTopic("finished")
        try cluster.createTopic(topic, partitions: 1, replicationFactor: 1)
        let producer = try makeProducer(cluster)
        _ = await producer.send((0..<10).map { KafkaMessage(topic: topic, value: Array("\($0)".utf8)) })
        let group = "group-\(UUID().uuidString)"
        func consumer() throws -> KafkaConsumer {
            try KafkaConsumer(
                configuration: KafkaConsumerConfiguration(
                    bootstrapServers: cluster.bootstrapServers, groupID: group, topics: [topic],
                    properties: ["session.timeout.ms": "6000"], offsetCommits: .whenFinished),
                logger: testLogger)
        }

        let first = try consumer()
        var received: [KafkaConsumerMessage] = []
        for try await message in first.messages {
            received.append(message)
            if received.count == 10 { break }
        }
        // Finished out of order, with 4 and 8 left unfinished: only 0..<4 may be committed.
        for offset in [3, 0, 2, 1, 5, 6, 7, 9] { first.finished(received[offset]) }
        await first.close()

        let second = try consumer()
        var again: [Int64] = []
        for try await message in second.messages {
            again.append(message.offset)
            if again.count == 6 { break }
        }
        #expect(again == [4, 5, 6, 7, 8, 9], "unfinished record 4 and everything after it are read again")
        await second.close()
        await producer.close(timeout: .seconds(1))
    }
}
