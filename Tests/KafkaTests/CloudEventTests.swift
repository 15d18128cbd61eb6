import Foundation
import HyperFleetJSON
import HyperFleetTestSupport
import Kafka
import Testing

@Suite("CloudEvents Kafka binding")
struct CloudEventTests {
    let event = CloudEvent(
        id: "0190b6b2-0000-7000-8000-000000000001", source: "/hyperfleet/sentinel", type: "io.hyperfleet.cluster.reconcile",
        time: Date(timeIntervalSince1970: 1_700_000_000), subject: "clusters/abc",
        dataContentType: "application/json", extensions: ["reason": "drift", "Generation": "7"],
        data: Array(#"{"cluster":"abc","generation":7}"#.utf8))

    private func consumed(_ message: KafkaMessage) -> KafkaConsumerMessage {
        KafkaConsumerMessage(topic: message.topic, key: message.key, value: message.value, headers: message.headers)
    }

    @Test("binary mode puts attributes in ce_ headers and data in the value")
    func binaryHeaders() throws {
        let message = event.kafkaMessage(topic: "events", key: "abc", mode: .binary)
        let names = message.headers.map(\.key)
        #expect(names == [
            "ce_specversion", "ce_id", "ce_source", "ce_type", "ce_time", "ce_subject",
            "ce_generation", "ce_reason", "content-type",
        ])
        #expect(Set(names).count == names.count, "each header once")
        let time = try #require(message.headers.first { $0.key == "ce_time" })
        #expect(String(decoding: time.value, as: UTF8.self) == "2023-11-14T22:13:20.000Z")
        #expect(message.value == event.data)
        #expect(message.key == Array("abc".utf8))
        #expect(message.topic == "events")
    }

    @Test("binary mode round trips (extension names are lowercased)")
    func binaryRoundTrip() throws {
        let decoded = try CloudEvent.decode(consumed(event.kafkaMessage(topic: "events", key: "abc", mode: .binary)))
        var expected = event
        expected.extensions = ["reason": "drift", "generation": "7"]
        #expect(decoded == expected)
    }

    @Test("structured mode carries the whole event as JSON with data inline")
    func structuredRoundTrip() throws {
        let message = event.kafkaMessage(topic: "events", key: "abc", mode: .structured)
        #expect(message.headers == [KafkaHeader(key: "content-type", string: "application/cloudevents+json")])
        #expect(String(decoding: message.value, as: UTF8.self) == #"{"data":{"cluster":"abc","generation":7},"#
            + #""datacontenttype":"application/json","generation":"7","id":"0190b6b2-0000-7000-8000-000000000001","#
            + #""reason":"drift","source":"/hyperfleet/sentinel","specversion":"1.0","subject":"clusters/abc","#
            + #""time":"2023-11-14T22:13:20.000Z","type":"io.hyperfleet.cluster.reconcile"}"#,
            "sorted keys, unescaped slashes, data inline as JSON")

        let decoded = try CloudEvent.decode(consumed(message))
        var expected = event
        expected.extensions = ["reason": "drift", "generation": "7"]
        #expect(decoded == expected)
    }

    @Test("structured mode base64-encodes non-JSON data")
    func structuredBinaryData() throws {
        let raw = CloudEvent(id: "1", source: "s", type: "t", dataContentType: "application/octet-stream", data: [0, 255, 7])
        let message = raw.kafkaMessage(topic: "events", key: "k", mode: .structured)
        let json = try JSONValue.parse(message.value)
        #expect(json.at("data_base64") == .string("AP8H"))
        #expect(try CloudEvent.decode(consumed(message)) == raw)
    }

    @Test("records without CloudEvent attributes are rejected")
    func rejectsNonEvents() {
        #expect(throws: CloudEventDecodingError.self) {
            _ = try CloudEvent.decode(KafkaConsumerMessage(topic: "t", value: [1, 2]))
        }
        #expect(throws: CloudEventDecodingError.self) {
            _ = try CloudEvent.decode(KafkaConsumerMessage(
                topic: "t", value: Array("{}".utf8),
                headers: [KafkaHeader(key: "content-type", string: "application/cloudevents+json")]))
        }
    }

    @Test("a binary CloudEvent survives a real produce/consume round trip")
    func overTheWire() async throws {
        let cluster = try KafkaMockCluster(brokers: 1, logger: testLogger)
        defer { cluster.close() }
        let topic = uniqueTopic("cloudevents")
        try cluster.createTopic(topic, partitions: 1, replicationFactor: 1)
        let producer = try makeProducer(cluster)
        _ = try await producer.send(event.kafkaMessage(topic: topic, key: "abc", mode: .binary))
        _ = try await producer.send(event.kafkaMessage(topic: topic, key: "abc", mode: .structured))
        let consumer = try makeConsumer(cluster, topics: [topic])
        let collector = collect(consumer)
        let received = try await collector.waitUntil(2, within: .seconds(20)).map(\.message)
        #expect(received.count == 2)
        var expected = event
        expected.extensions = ["reason": "drift", "generation": "7"]
        for message in received { #expect(try CloudEvent.decode(message) == expected) }
        await consumer.close()
        await producer.close(timeout: .seconds(1))
    }
}
