import Foundation
import HyperFleetJSON
#if canImport(Glibc)
import Glibc
#endif

/// Errors raised when a Kafka record is not a valid CloudEvent.
public struct CloudEventDecodingError: Error, Sendable, CustomStringConvertible, Equatable {
    /// What was wrong with the record.
    public var message: String

    public var description: String { "CloudEventDecodingError: \(message)" }
}

/// Shared helpers for the binary and structured CloudEvents Kafka encodings.
enum CloudEventCoding {
    static let contentTypeHeader = "content-type"
    static let structuredContentType = "application/cloudevents+json"
    private static let coreAttributes: Set<String> = [
        "specversion", "id", "source", "type", "time", "subject", "datacontenttype", "dataschema", "data", "data_base64",
    ]

    /// Lowercased extension names (one value per name, the lexicographically last original wins), sorted.
    static func normalizedExtensions(_ extensions: [String: String]) -> [(String, String)] {
        var byName: [String: String] = [:]
        for (name, value) in extensions.sorted(by: { $0.key < $1.key }) { byName[name.lowercased()] = value }
        return byName.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    static func isJSON(_ contentType: String?) -> Bool {
        guard let type = contentType?.lowercased().split(separator: ";").first?.trimmingCharacters(in: .whitespaces) else {
            return false
        }
        return type == "application/json" || type == "text/json" || type.hasSuffix("+json")
    }

    /// RFC 3339 UTC with milliseconds, written with gmtime_r: building an ISO8601DateFormatter per
    /// event was half of the publisher's CPU (benchmarks/SENTINEL-RESULTS.md).
    static func formatTime(_ date: Date) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        var seconds = time_t(milliseconds / 1000 - (milliseconds % 1000 < 0 ? 1 : 0))
        let fraction = Int((milliseconds % 1000 + 1000) % 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(fraction), 3))Z"
    }

    static func parseTime(_ text: String) throws -> Date {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        if let date = formatter.date(from: text) { return date }
        throw CloudEventDecodingError(message: "time \"\(text)\" is not RFC 3339")
    }

    static func decodeBinary(headers: [KafkaHeader], value: [UInt8]) throws -> CloudEvent {
        var attributes: [String: String] = [:]
        var contentType: String?
        for header in headers {
            let name = header.key.lowercased()
            let text = String(decoding: header.value, as: UTF8.self)
            if name == contentTypeHeader {
                contentType = text
            } else if name.hasPrefix("ce_") {
                attributes[String(name.dropFirst(3))] = text
            }
        }
        func required(_ name: String) throws -> String {
            guard let value = attributes.removeValue(forKey: name) else {
                throw CloudEventDecodingError(message: "binary-mode record lacks header ce_\(name)")
            }
            return value
        }
        let specVersion = try required("specversion")
        let id = try required("id")
        let source = try required("source")
        let type = try required("type")
        let time = try attributes.removeValue(forKey: "time").map(parseTime)
        let subject = attributes.removeValue(forKey: "subject")
        return CloudEvent(
            id: id, source: source, type: type, specVersion: specVersion, time: time, subject: subject,
            dataContentType: contentType, extensions: attributes, data: value)
    }

    static func decodeStructured(_ value: [UInt8]) throws -> CloudEvent {
        let parsed: JSONValue
        do {
            parsed = try JSONValue.parse(value)
        } catch {
            throw CloudEventDecodingError(message: "structured-mode value is not JSON: \(error)")
        }
        guard let object = parsed.objectValue else {
            throw CloudEventDecodingError(message: "structured-mode value is not a JSON object")
        }
        func string(_ name: String) throws -> String? {
            guard let raw = object[name] else { return nil }
            guard let text = raw.stringValue else { throw CloudEventDecodingError(message: "attribute \"\(name)\" is not a string") }
            return text
        }
        func required(_ name: String) throws -> String {
            guard let text = try string(name) else { throw CloudEventDecodingError(message: "structured event lacks \"\(name)\"") }
            return text
        }
        let dataContentType = try string("datacontenttype")
        var data: [UInt8] = []
        if let base64 = try string("data_base64") {
            guard let decoded = Data(base64Encoded: base64) else { throw CloudEventDecodingError(message: "data_base64 is not base64") }
            data = Array(decoded)
        } else if let inline = object["data"] {
            if let text = inline.stringValue, !isJSON(dataContentType) {
                data = Array(text.utf8)
            } else {
                data = inline.jsonBytes()
            }
        }
        var extensions: [String: String] = [:]
        for (name, raw) in object where !coreAttributes.contains(name) {
            extensions[name] = raw.stringValue ?? raw.serialized()
        }
        return CloudEvent(
            id: try required("id"), source: try required("source"), type: try required("type"),
            specVersion: try required("specversion"), time: try string("time").map(parseTime),
            subject: try string("subject"), dataContentType: dataContentType, extensions: extensions, data: data)
    }
}
