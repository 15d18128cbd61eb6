import Foundation

/// The one JSON configuration for API bodies: sorted keys, `/` unescaped (times are already strings).
public enum JSONCoding {
    /// A new encoder with the API's settings.
    public static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// A new decoder with the API's settings.
    public static var decoder: JSONDecoder {
        JSONDecoder()
    }

    /// Encodes `value` to UTF-8 JSON bytes.
    public static func encode<Value: Encodable>(_ value: Value) throws -> [UInt8] {
        Array(try encoder.encode(value))
    }

    /// Decodes `type` from UTF-8 JSON bytes.
    public static func decode<Value: Decodable>(_ type: Value.Type, from bytes: [UInt8]) throws -> Value {
        try decoder.decode(type, from: Data(bytes))
    }
}
