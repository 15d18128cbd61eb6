import HyperFleetTestSupport
import Kafka
import Synchronization
import Testing

@Suite("Failures, retries and shutdown")
struct ResilienceTests {
    @Test("sends time out while all brokers are down and succeed once they are back")
    func brokersDownThenUp() async throws {
        let cluster = try KafkaMockCluster(brokers: 2, logger: testLogger)
        defer { cluster.close() }
        let topic = uniqueTopic("outage")
        try cluster.createTopic(topic, partitions: 1, replicationFactor: 2)
        let producer = try makeProducer(cluster, ["message.timeout.ms": "1500"])
        _ = try await producer.send(KafkaMessage(topic: topic, value: Array("before".utf8)))

        try cluster.setBrokerDown(1)
        try cluster.setBrokerDown(2)
        let start = ContinuousClock.now
        let error = await #expect(throws: KafkaError.self) {
            try await producer.send(KafkaMessage(topic: topic, value: Array("during".utf8)))
        }
        let elapsed = ContinuousClock.now - start
        #expect(error?.code == KafkaError.messageTimedOutCode)
        #expect(error?.isRetriable == true)
        #expect(elapsed >= .milliseconds(1000) && elapsed < .seconds(20), "timed out after \(elapsed)")
        #expect(await producer.isBrokerReachable(timeout: .milliseconds(500)) == false)

        try cluster.setBrokerUp(1)
        try cluster.setBrokerUp(2)
        var delivered: DeliveryReport?
        for _ in 0..<5 where delivered == nil {  // reconnect backoff may cost the first attempt
            delivered = try? await producer.send(KafkaMessage(topic: topic, value: Array("after".utf8)))
        }
        let report = try #require(delivered, "no send succeeded after the brokers came back")
        #expect(report.offset >= 1)
        #expect(await producer.isBrokerReachable(timeout: .seconds(2)))
        await producer.close(timeout: .seconds(2))
    }

    @Test("injected retriable produce errors are retried and each record lands exactly once")
    func idempotentRetriesDeliverOnce() async throws {
        let cluster = try KafkaMockCluster(brokers: 1, logger: testLogger)
        defer { cluster.close() }
        let topic = uniqueTopic("retry")
        try cluster.createTopic(topic, partitions: 1, replicationFactor: 1)
        let producer = try makeProducer(cluster, ["retry.backoff.ms": "20"])
        // NOT_ENOUGH_REPLICAS (19), REQUEST_TIMED_OUT (7), NOT_ENOUGH_REPLICAS_AFTER_APPEND (20), NOT_LEADER (6).
        try cluster.pushRequestErrors(apiKey: 0, errors: [19, 7, 20, 6, 19])

        let count = 20
        let messages = (0..<count).map { KafkaMessage(topic: topic, key: Array("k".utf8), value: Array("m\($0)".utf8)) }
        let results = await producer.send(messages)
        for result in results { _ = try result.get() }

        let consumer = try makeConsumer(cluster, topics: [topic])
        let collector = collect(consumer)
        _ = try await collector.waitUntil(count, within: .seconds(20)).map(\.message)
        try await Task.sleep(for: .milliseconds(700))  // give duplicates, if any, time to show up
        let values = collector.messages.map { String(decoding: $0.value, as: UTF8.self) }
        #expect(values == (0..<count).map { "m\($0)" }, "each record once, in order")
        await consumer.close()
        await producer.close(timeout: .seconds(2))
    }

    @Test("closing with outstanding messages fails them promptly instead of hanging")
    func closeWithOutstandingMessages() async throws {
        let cluster = try KafkaMockCluster(brokers: 1, logger: testLogger)
        defer { cluster.close() }
        let topic = uniqueTopic("closing")
        try cluster.createTopic(topic, partitions: 1, replicationFactor: 1)
        let producer = try makeProducer(cluster, ["message.timeout.ms": "60000"])
        try cluster.setBrokerDown(1)

        let sends = Task {
            await withTaskGroup(of: Result<DeliveryReport, KafkaError>.self) { group in
                for index in 0..<50 {
                    group.addTask {
                        do throws(KafkaError) {
                            return .success(try await producer.send(KafkaMessage(topic: topic, value: [UInt8(index)])))
                        } catch {
                            return .failure(error)
                        }
                    }
                }
                return await group.reduce(into: [Result<DeliveryReport, KafkaError>]()) { $0.append($1) }
            }
        }
        let clock = ContinuousClock()
        let waitEnd = clock.now.advanced(by: .seconds(15))
        while producer.outstandingCount < 50, clock.now < waitEnd { try await Task.sleep(for: .milliseconds(20)) }
        #expect(producer.outstandingCount == 50)

        // 15 s: far below the 60 s message timeout a hang would wait for, and above what a fully
        // loaded machine needs (6.3 s was seen during a full-suite run).
        await expectFinishes(within: .seconds(15), "close with 50 outstanding") {
            await producer.close(timeout: .milliseconds(300))
        }
        let results = await sends.value
        #expect(results.count == 50)
        #expect(results.allSatisfy { if case .failure = $0 { true } else { false } })
        #expect(producer.outstandingCount == 0)

        let late = await #expect(throws: KafkaError.self) {
            try await producer.send(KafkaMessage(topic: topic, value: [1]))
        }
        #expect(late?.code == KafkaError.invalidStateCode)
        await producer.close(timeout: .seconds(1))  // second close returns at once
    }

    @Test("flush reports whether everything was delivered")
    func flushOutcome() async throws {
        let cluster = try KafkaMockCluster(brokers: 1, logger: testLogger)
        defer { cluster.close() }
        let topic = uniqueTopic("flush")
        try cluster.createTopic(topic, partitions: 1, replicationFactor: 1)
        let producer = try makeProducer(cluster)
        _ = try await producer.send(KafkaMessage(topic: topic, value: [1]))
        #expect(await producer.flush(timeout: .seconds(2)))

        try cluster.setBrokerDown(1)
        let pending = Task { try? await producer.send(KafkaMessage(topic: topic, value: [2])) }
        try await Task.sleep(for: .milliseconds(100))
        #expect(await producer.flush(timeout: .milliseconds(300)) == false)
        await producer.close(timeout: .milliseconds(100))
        #expect(await pending.value == nil)
    }
}
