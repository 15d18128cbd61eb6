import Foundation
import HyperFleetJSON

/// How a CloudEvent is laid out in a Kafka record (CloudEvents Kafka protocol binding 1.0).
public enum CloudEventMode: String, Sendable {
    /// Attributes in `ce_*` headers, data as the record value.
    case binary
    /// The whole event as JSON in the record value (`application/cloudevents+json`).
    case structured
}

/// A CloudEvents 1.0 event.
public struct CloudEvent: Sendable, Equatable {
    /// Unique id within `source` (e.g. a UUIDv7).
    public var id: String
    /// URI-reference identifying the producer context.
    public var source: String
    /// Event type, e.g. `com.example.cluster.changed`.
    public var type: String
    /// CloudEvents version; "1.0".
    public var specVersion: String
    /// When the occurrence happened (encoded RFC 3339 UTC, millisecond precision).
    public var time: Date?
    /// Subject of the event within the source.
    public var subject: String?
    /// Media type of `data`, e.g. "application/json".
    public var dataContentType: String?
    /// Extension attributes (lowercase alphanumeric names), e.g. "reason" -> `ce_reason` header.
    public var extensions: [String: String]
    /// Event payload.
    public var data: [UInt8]

    /// Creates an event.
    public init(
        id: String = UUIDv7.generate(), source: String, type: String, specVersion: String = "1.0",
        time: Date? = nil, subject: String? = nil, dataContentType: String? = "application/json",
        extensions: [String: String] = [:], data: [UInt8] = []
    ) {
        self.id = id
        self.source = source
        self.type = type
        self.specVersion = specVersion
        self.time = time
        self.subject = subject
        self.dataContentType = dataContentType
        self.extensions = extensions
        self.data = data
    }

    /// Binary mode: headers ce_specversion, ce_id, ce_source, ce_type, ce_time (RFC 3339 UTC), ce_subject,
    /// ce_<ext> (lowercase names, each once), content-type; value = data.
    /// Structured mode: content-type application/cloudevents+json, value = the JSON event (data inline as JSON).
    public func kafkaMessage(topic: String, key: String, mode: CloudEventMode) -> KafkaMessage {
        switch mode {
        case .binary:
            return KafkaMessage(topic: topic, key: Array(key.utf8), value: data, headers: binaryHeaders())
        case .structured:
            return KafkaMessage(
                topic: topic, key: Array(key.utf8), value: structuredJSON(),
                headers: [KafkaHeader(key: CloudEventCoding.contentTypeHeader, string: CloudEventCoding.structuredContentType)])
        }
    }

    /// Decodes either mode: structured when content-type is application/cloudevents(+json), else binary.
    public static func decode(_ message: KafkaConsumerMessage) throws -> CloudEvent {
        let contentType = message.headers.last { $0.key.lowercased() == CloudEventCoding.contentTypeHeader }
            .map { String(decoding: $0.value, as: UTF8.self) }
        if let contentType, contentType.lowercased().hasPrefix("application/cloudevents") {
            return try CloudEventCoding.decodeStructured(message.value)
        }
        return try CloudEventCoding.decodeBinary(headers: message.headers, value: message.value)
    }

    private func binaryHeaders() -> [KafkaHeader] {
        var headers = [
            KafkaHeader(key: "ce_specversion", string: specVersion),
            KafkaHeader(key: "ce_id", string: id),
            KafkaHeader(key: "ce_source", string: source),
            KafkaHeader(key: "ce_type", string: type),
        ]
        if let time { headers.append(KafkaHeader(key: "ce_time", string: CloudEventCoding.formatTime(time))) }
        if let subject { headers.append(KafkaHeader(key: "ce_subject", string: subject)) }
        for (name, value) in CloudEventCoding.normalizedExtensions(extensions) {
            headers.append(KafkaHeader(key: "ce_" + name, string: value))
        }
        if let dataContentType {
            headers.append(KafkaHeader(key: CloudEventCoding.contentTypeHeader, string: dataContentType))
        }
        return headers
    }

    private func structuredJSON() -> [UInt8] {
        var object: [String: JSONValue] = [
            "specversion": .string(specVersion), "id": .string(id), "source": .string(source), "type": .string(type),
        ]
        if let time { object["time"] = .string(CloudEventCoding.formatTime(time)) }
        if let subject { object["subject"] = .string(subject) }
        if let dataContentType { object["datacontenttype"] = .string(dataContentType) }
        for (name, value) in CloudEventCoding.normalizedExtensions(extensions) where object[name] == nil {
            object[name] = .string(value)
        }
        if !data.isEmpty {
            if CloudEventCoding.isJSON(dataContentType), let inline = try? JSONValue.parse(data) {
                object["data"] = inline
            } else {
                object["data_base64"] = .string(Data(data).base64EncodedString())
            }
        }
        return JSONValue.object(object).jsonBytes()
    }
}
