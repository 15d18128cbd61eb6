import HTTPTypes
import Tracing
import Kafka
import NIOHTTP1

// Injectors and extractors for swift-distributed-tracing, one pair per transport. Use them with a tracer:
// `tracer.extract(request.headers, into: &context, using: HTTPFieldsExtractor())` and
// `tracer.inject(context, into: &headers, using: HTTPHeadersInjector())`.

/// Server side: the request's `HTTPFields` (Hummingbird).
public struct HTTPFieldsExtractor: Extractor {
    public init() {}
    public func extract(key: String, from fields: HTTPFields) -> String? {
        guard let name = HTTPField.Name(key) else { return nil }
        // Several `traceparent` fields join into one invalid value, which is then ignored, as the spec asks.
        return TraceContextFields.sanitized(key: key, value: fields[name])
    }
}

/// Server side: response fields (for example a `traceresponse`), or requests made with HTTPTypes.
public struct HTTPFieldsInjector: Injector {
    public init() {}
    public func inject(_ value: String, forKey key: String, into fields: inout HTTPFields) {
        guard let name = HTTPField.Name(key) else { return }
        fields[name] = value
    }
}

/// Client side: AsyncHTTPClient's request headers.
public struct HTTPHeadersInjector: Injector {
    public init() {}
    public func inject(_ value: String, forKey key: String, into headers: inout HTTPHeaders) {
        headers.replaceOrAdd(name: key, value: value)
    }
}

/// Client side: headers of a response, or of a request in a NIO handler.
public struct HTTPHeadersExtractor: Extractor {
    public init() {}
    public func extract(key: String, from headers: HTTPHeaders) -> String? {
        let values = headers[key]
        guard !values.isEmpty else { return nil }
        return TraceContextFields.sanitized(key: key, value: values.joined(separator: ","))
    }
}

/// CloudEvents distributed-tracing extension in binary mode: `ce_traceparent` and `ce_tracestate`
/// record headers.
public struct KafkaHeadersInjector: Injector {
    public init() {}
    public func inject(_ value: String, forKey key: String, into headers: inout [KafkaHeader]) {
        let name = "ce_" + key
        headers.removeAll { $0.key.lowercased() == name }
        headers.append(KafkaHeader(key: name, string: value))
    }
}

/// Reads `ce_traceparent` and `ce_tracestate` from record headers (the last one of a name wins, as the
/// project's CloudEvent decoder does).
public struct KafkaHeadersExtractor: Extractor {
    public init() {}
    public func extract(key: String, from headers: [KafkaHeader]) -> String? {
        let name = "ce_" + key
        guard let header = headers.last(where: { $0.key.lowercased() == name }) else { return nil }
        return TraceContextFields.sanitized(key: key, value: String(decoding: header.value, as: UTF8.self))
    }
}

/// The `traceparent` and `tracestate` extension attributes of a CloudEvent: the project's encoder writes
/// them as `ce_traceparent`/`ce_tracestate` headers in binary mode and as `traceparent`/`tracestate`
/// members of the JSON envelope in structured mode, and its decoder reads both back into `extensions`.
public struct CloudEventInjector: Injector {
    public init() {}
    public func inject(_ value: String, forKey key: String, into event: inout CloudEvent) {
        event.extensions[key] = value
    }
}

public struct CloudEventExtractor: Extractor {
    public init() {}
    public func extract(key: String, from event: CloudEvent) -> String? {
        TraceContextFields.sanitized(key: key, value: event.extensions[key])
    }
}

/// A trace context as two strings, to store (for example with a change row) or to log.
public struct TraceHeaders: Sendable, Equatable {
    public var traceparent: String?
    public var tracestate: String?

    public init(traceparent: String? = nil, tracestate: String? = nil) {
        self.traceparent = traceparent
        self.tracestate = tracestate
    }
}

public struct TraceHeadersInjector: Injector {
    public init() {}
    public func inject(_ value: String, forKey key: String, into headers: inout TraceHeaders) {
        switch key {
        case TraceContextFields.traceparent: headers.traceparent = value
        case TraceContextFields.tracestate: headers.tracestate = value
        default: break
        }
    }
}

public struct TraceHeadersExtractor: Extractor {
    public init() {}
    public func extract(key: String, from headers: TraceHeaders) -> String? {
        switch key {
        case TraceContextFields.traceparent: TraceContextFields.sanitized(key: key, value: headers.traceparent)
        case TraceContextFields.tracestate: TraceContextFields.sanitized(key: key, value: headers.tracestate)
        default: nil
        }
    }
}
