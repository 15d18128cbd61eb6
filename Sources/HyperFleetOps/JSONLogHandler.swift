import Foundation
import HyperFleetJSON
import HyperFleetModel
import Logging

/// One JSON object per line on standard error, for log collectors: `time`, `level`, `logger`,
/// `message`, then the metadata (nested metadata as JSON objects and arrays).
public struct JSONLogHandler: LogHandler {
    public let label: String
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    /// Metadata of the current task (for example `trace_id` and `span_id` while a span is active).
    public var metadataProvider: Logger.MetadataProvider?

    public init(label: String, metadataProvider: Logger.MetadataProvider? = nil) {
        self.label = label
        self.metadataProvider = metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var line = JSONLogHandler.line(
            time: .now(), level: event.level, label: label, message: event.message.description, metadata: lineMetadata(event.metadata))
        line.append(UInt8(ascii: "\n"))
        FileHandle.standardError.write(Data(line))
    }

    /// The handler's metadata, then the provider's, then the event's (a later one wins on a shared key).
    public func lineMetadata(_ eventMetadata: Logger.Metadata?) -> Logger.Metadata {
        var merged = metadata
        if let provided = metadataProvider?.get(), !provided.isEmpty {
            merged.merge(provided, uniquingKeysWith: { $1 })
        }
        if let eventMetadata { merged.merge(eventMetadata, uniquingKeysWith: { $1 }) }
        return merged
    }

    /// The JSON object of one log line; metadata keys that collide with the fixed fields are prefixed
    /// with `meta_` instead of replacing them.
    public static func line(time: Timestamp, level: Logger.Level, label: String, message: String, metadata: Logger.Metadata) -> [UInt8] {
        var writer = JSONWriter(capacity: 256)
        writer.beginObject()
        writer.key("time")
        writer.timestamp(time)
        writer.key("level")
        writer.string(level.rawValue)
        writer.key("logger")
        writer.string(label)
        writer.key("message")
        writer.string(message)
        let fixed: Set<String> = ["time", "level", "logger", "message"]
        for key in metadata.keys.sorted() {
            writer.key(dynamic: fixed.contains(key) ? "meta_" + key : key)
            write(metadata[key]!, to: &writer)
        }
        writer.endObject()
        return writer.bytes
    }

    private static func write(_ value: Logger.Metadata.Value, to writer: inout JSONWriter) {
        switch value {
        case .string(let text): writer.string(text)
        case .stringConvertible(let convertible): writer.string(convertible.description)
        case .array(let items):
            writer.beginArray()
            for item in items { write(item, to: &writer) }
            writer.endArray()
        case .dictionary(let members):
            writer.beginObject()
            for key in members.keys.sorted() {
                writer.key(dynamic: key)
                write(members[key]!, to: &writer)
            }
            writer.endObject()
        }
    }
}
