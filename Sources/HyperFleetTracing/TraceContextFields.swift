import W3CTraceContext

/// The two W3C Trace Context fields as carried on every transport, checked before a tracer sees them.
///
/// Every extractor here hands the tracer only a valid `traceparent` (or nothing), so a malformed header
/// starts a new trace quietly: swift-otel would otherwise log a warning per request with the whole carrier
/// (all request headers, `Authorization` included). A `traceparent` of a future version is read as the
/// spec asks (its first four fields, when the 56th character ends them) and passed on as version 00 with
/// only the sampled flag; version `ff` is invalid. A malformed `tracestate` is dropped, the
/// `traceparent` kept (W3C Trace Context, "tracestate" processing).
public enum TraceContextFields {
    public static let traceparent = "traceparent"
    public static let tracestate = "tracestate"

    /// The value to hand to the propagator for `key`, or nil when it must be ignored.
    public static func sanitized(key: String, value: String?) -> String? {
        guard let value else { return nil }
        switch key {
        case traceparent: return normalizedTraceparent(value)
        case tracestate: return validTracestate(value)
        default: return value
        }
    }

    /// A version-00 `traceparent` equivalent to `value`, or nil when `value` is not valid.
    public static func normalizedTraceparent(_ value: String) -> String? {
        let text = value.trimmingCharacters(in: .whitespaces)
        let bytes = Array(text.utf8)
        guard bytes.count >= 55, isLowerHex(bytes[0]), isLowerHex(bytes[1]) else { return nil }
        let candidate: String
        if bytes[0] == UInt8(ascii: "0"), bytes[1] == UInt8(ascii: "0") {
            guard bytes.count == 55 else { return nil }
            candidate = text
        } else {
            // Version ff is forbidden; a later version may only append fields after a dash.
            guard !(bytes[0] == UInt8(ascii: "f") && bytes[1] == UInt8(ascii: "f")) else { return nil }
            guard bytes.count == 55 || bytes[55] == UInt8(ascii: "-") else { return nil }
            guard isLowerHex(bytes[53]), isLowerHex(bytes[54]), let flags = UInt8(String(decoding: bytes[53..<55], as: UTF8.self), radix: 16)
            else { return nil }
            candidate = "00" + String(decoding: bytes[2..<53], as: UTF8.self) + (flags & 1 == 1 ? "01" : "00")
        }
        // Lowercase hex only (the parser below also accepts upper case), then the real parser: delimiters,
        // all-zero trace id or span id.
        guard candidate.utf8.allSatisfy({ isLowerHex($0) || $0 == UInt8(ascii: "-") }),
            (try? TraceContext(traceParentHeaderValue: candidate)) != nil
        else { return nil }
        return candidate
    }

    /// `value` when it is a valid `tracestate` list, else nil.
    public static func validTracestate(_ value: String) -> String? {
        let probe = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
        guard !value.isEmpty, value.utf8.count <= 8192, (try? TraceContext(traceParentHeaderValue: probe, traceStateHeaderValue: value)) != nil
        else { return nil }
        return value
    }

    private static func isLowerHex(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
    }
}
