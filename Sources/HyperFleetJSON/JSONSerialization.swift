extension JSONValue: JSONWritable {
    /// Compact JSON text with object keys sorted (by UTF-8 bytes), so equal values serialize identically.
    public func serialized() -> String {
        jsonText
    }

    public func write(to writer: inout JSONWriter) {
        writer.value(self)
    }
}
