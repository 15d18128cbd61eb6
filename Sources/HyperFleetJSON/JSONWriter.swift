/// Writes compact JSON straight into bytes. Response bodies use it instead of Foundation's
/// `JSONEncoder`, which cost a GET about a fifth of the API's CPU (benchmarks/README.md).
///
/// The writer keeps no stack: after a value or a closed container the next key or element needs a
/// comma, right after an opening bracket it does not. Callers write keys in sorted order, so the
/// output equals `JSONEncoder` with `.sortedKeys` (tests compare the two byte for byte).
public struct JSONWriter: Sendable {
    /// The JSON written so far.
    public private(set) var bytes: [UInt8] = []
    private var atContainerStart = true

    /// An empty writer with room for `capacity` bytes.
    public init(capacity: Int = 1024) {
        bytes.reserveCapacity(capacity)
    }

    // MARK: Containers

    public mutating func beginObject() {
        separateElement()
        bytes.append(UInt8(ascii: "{"))
        atContainerStart = true
    }

    public mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        atContainerStart = false
    }

    public mutating func beginArray() {
        separateElement()
        bytes.append(UInt8(ascii: "["))
        atContainerStart = true
    }

    public mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        atContainerStart = false
    }

    /// Writes `"name":`; the value follows with one of the value methods.
    public mutating func key(_ name: StaticString) {
        if !atContainerStart { bytes.append(UInt8(ascii: ",")) }
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
        // The value right after a key takes no comma.
        atContainerStart = true
    }

    /// Writes a key that is data (object members of user JSON), escaped like any string.
    public mutating func key(dynamic name: String) {
        if !atContainerStart { bytes.append(UInt8(ascii: ",")) }
        appendQuoted(name)
        bytes.append(UInt8(ascii: ":"))
        atContainerStart = true
    }

    // MARK: Values (each is an array element or the value of the preceding key)

    public mutating func string(_ text: String) {
        separateElement()
        appendQuoted(text)
        atContainerStart = false
    }

    public mutating func int(_ number: Int64) {
        separateElement()
        appendDecimal(number)
        atContainerStart = false
    }

    public mutating func bool(_ flag: Bool) {
        separateElement()
        if flag { bytes.append(contentsOf: "true".utf8) } else { bytes.append(contentsOf: "false".utf8) }
        atContainerStart = false
    }

    public mutating func null() {
        separateElement()
        bytes.append(contentsOf: "null".utf8)
        atContainerStart = false
    }

    /// The text, or `null`.
    public mutating func string(_ text: String?) {
        if let text { string(text) } else { null() }
    }

    /// The number, or `null`.
    public mutating func int(_ number: Int64?) {
        if let number { int(number) } else { null() }
    }

    /// A finite double in Swift's shortest round-trip form (valid JSON); non-finite becomes null.
    public mutating func double(_ number: Double) {
        guard number.isFinite else { return null() }
        separateElement()
        bytes.append(contentsOf: number.description.utf8)
        atContainerStart = false
    }

    /// A string whose characters never need escaping (a timestamp, an id), appended in place by
    /// `appendUnescaped` between the quotes, without building a String.
    public mutating func unescapedString(_ appendUnescaped: (inout [UInt8]) -> Void) {
        separateElement()
        bytes.append(UInt8(ascii: "\""))
        appendUnescaped(&bytes)
        bytes.append(UInt8(ascii: "\""))
        atContainerStart = false
    }

    /// Any JSON value; object keys sorted by their UTF-8 bytes.
    public mutating func value(_ value: JSONValue) {
        switch value {
        case .null: null()
        case .bool(let flag): bool(flag)
        case .int(let number): int(number)
        case .double(let number): double(number)
        case .string(let text): string(text)
        case .array(let elements):
            beginArray()
            for element in elements { self.value(element) }
            endArray()
        case .object(let members):
            object(members) { writer, member in writer.value(member) }
        }
    }

    /// An object from a dictionary, keys sorted by their UTF-8 bytes.
    public mutating func object<Value>(_ members: [String: Value], _ writeValue: (inout JSONWriter, Value) -> Void) {
        beginObject()
        for key in members.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            self.key(dynamic: key)
            writeValue(&self, members[key]!) // the key comes from the dictionary itself
        }
        endObject()
    }

    /// Copies JSON text that is already valid (e.g. PostgreSQL's output of a `jsonb` column).
    public mutating func fragment(_ json: some Collection<UInt8>) {
        separateElement()
        bytes.append(contentsOf: json)
        atContainerStart = false
    }

    /// Writes a value that knows how to write itself.
    public mutating func write(_ value: some JSONWritable) {
        value.write(to: &self)
    }

    // MARK: Bytes

    private mutating func separateElement() {
        if !atContainerStart { bytes.append(UInt8(ascii: ",")) }
    }

    private mutating func appendDecimal(_ number: Int64) {
        if number < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = number.magnitude
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[19 - count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            } while magnitude > 0
            bytes.append(contentsOf: buffer[(20 - count)...])
        }
    }

    /// Escapes `"`, `\` and control characters (as JSONEncoder does); everything else is copied.
    private mutating func appendQuoted(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { utf8 in
            var runStart = 0
            for index in 0..<utf8.count {
                let byte = utf8[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
                runStart = index + 1
                switch byte {
                case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
                case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
                case UInt8(ascii: "\n"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
                case UInt8(ascii: "\r"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
                case UInt8(ascii: "\t"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
                case 0x08: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
                case 0x0C: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
                default:
                    let hex = Array("0123456789abcdef".utf8)
                    bytes.append(contentsOf: [
                        UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                        hex[Int(byte >> 4)], hex[Int(byte & 0xF)],
                    ])
                }
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...]))
        }
        bytes.append(UInt8(ascii: "\""))
    }
}

/// A value with a hand-written JSON form (see `JSONWriter`).
public protocol JSONWritable {
    func write(to writer: inout JSONWriter)
}

extension JSONWritable {
    /// This value as compact JSON bytes.
    public func jsonBytes(capacity: Int = 1024) -> [UInt8] {
        var writer = JSONWriter(capacity: capacity)
        write(to: &writer)
        return writer.bytes
    }

    /// This value as compact JSON text (e.g. a `jsonb` parameter).
    public var jsonText: String {
        String(decoding: jsonBytes(capacity: 256), as: UTF8.self)
    }
}

extension Array: JSONWritable where Element: JSONWritable {
    public func write(to writer: inout JSONWriter) {
        writer.beginArray()
        for element in self { element.write(to: &writer) }
        writer.endArray()
    }
}

extension String: JSONWritable {
    public func write(to writer: inout JSONWriter) { writer.string(self) }
}

extension Dictionary: JSONWritable where Key == String, Value: JSONWritable {
    /// Members in the order of their keys' UTF-8 bytes.
    public func write(to writer: inout JSONWriter) {
        writer.object(self) { writer, value in value.write(to: &writer) }
    }
}

/// JSON text that is already valid, written as it is: the store's read path passes PostgreSQL's own
/// `jsonb` output instead of parsing and re-serializing it.
public struct JSONFragment: JSONWritable, Sendable {
    public let text: String

    /// Wraps `text`, which the caller guarantees to be one valid JSON value.
    public init(trusted text: String) { self.text = text }

    public func write(to writer: inout JSONWriter) { writer.fragment(text.utf8) }
}
