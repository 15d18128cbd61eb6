import Foundation
import HyperFleetConfig
import Logging
import OTel
import ServiceLifecycle
import Tracing

/// The tracer of one component (API, Sentinel, an adapter), and the services that export its spans.
///
/// Off: `NoOpTracer` and no services (no spans, nothing injected, nothing extracted). On: swift-otel's
/// tracer, made without `InstrumentationSystem.bootstrap` so that each component of one process has its
/// own (hand it to the component, or run its work inside `withTracer(tracer) { ... }`), with W3C Trace
/// Context propagation. Spans are exported over OTLP/HTTP (protobuf, or JSON) only when an endpoint is set; without
/// one they are still made and propagated.
///
/// Run `services` in the role's `ServiceGroup` before the services that make spans, so that they stop
/// after them and flush last: the final flush takes at most `min(settings.exportTimeout, shutdownTimeout)`
/// and an endpoint that does not answer only costs that flush (and the spans, which are dropped).
/// The services must run: the tracer queues span events for them without a bound of its own.
///
/// swift-otel applies the process's `OTEL_*` variables again by itself; a command-line flag can therefore
/// not override one of them, and such a conflict throws a `ConfigError` naming both.
public func makeTracer(
    settings: TracingSettings, serviceName: String, logger: Logger, shutdownTimeout: Duration? = nil,
    processEnvironment: [String: String] = ProcessInfo.processInfo.environment
) throws -> (tracer: any Tracer, services: [any Service]) {
    guard settings.enabled else { return (NoOpTracer(), []) }
    try rejectFlagsShadowedByEnvironment(settings, processEnvironment)

    var exportTimeout = settings.exportTimeout
    if let shutdownTimeout, shutdownTimeout < exportTimeout { exportTimeout = shutdownTimeout }

    var configuration = OTel.Configuration.default
    configuration.serviceName = settings.serviceName ?? serviceName
    configuration.diagnosticLogger = .custom(logger)
    configuration.diagnosticLogLevel = .warning
    configuration.propagators = [.traceContext]
    configuration.metrics.enabled = false
    configuration.logs.enabled = false
    configuration.traces.enabled = true
    configuration.traces.sampler = settings.sampler.otel
    configuration.traces.batchSpanProcessor.exportTimeout = exportTimeout
    if let endpoint = settings.tracesEndpoint {
        configuration.traces.exporter = .otlp
        configuration.traces.otlpExporter.endpoint = endpoint  // used as it is: it ends in /v1/traces
        configuration.traces.otlpExporter.protocol = settings.otlpProtocol == .httpJSON ? .httpJSON : .httpProtobuf
        configuration.traces.otlpExporter.timeout = exportTimeout
    } else {
        configuration.traces.exporter = .none
    }
    do {
        let backend = try OTel.makeTracingBackend(configuration: configuration)
        return (backend.factory, [backend.service])
    } catch {
        throw ConfigError(key: "tracing", "the tracer could not be made: \(error)")
    }
}

/// A flag wins over an `OTEL_*` variable in `TracingSettings`, but swift-otel reads the variables again;
/// rather than export somewhere else than the flag said, refuse to start.
private func rejectFlagsShadowedByEnvironment(_ settings: TracingSettings, _ environment: [String: String]) throws {
    let variables: [String: [String]] = [
        "enabled": [TracingSettings.Variable.sdkDisabled],
        "otlp_endpoint": [TracingSettings.Variable.tracesEndpoint, TracingSettings.Variable.endpoint, TracingSettings.Variable.exporter],
        "service_name": [TracingSettings.Variable.serviceName],
        "sampler": [TracingSettings.Variable.sampler],
        "sampler_arg": [TracingSettings.Variable.samplerArg],
    ]
    for (field, names) in variables.sorted(by: { $0.key < $1.key }) {
        guard let source = settings.sources[field], source.hasPrefix("-") else { continue }
        for name in names {
            guard let value = environment[name], !value.isEmpty else { continue }
            if name == TracingSettings.Variable.sdkDisabled, value.lowercased() != "true" { continue }
            throw ConfigError(
                key: source, "conflicts with \(name) in the environment, which swift-otel applies after the flag; unset \(name) or drop the flag")
        }
    }
}

extension TracingSettings.Sampler {
    var otel: OTel.Configuration.TracesConfiguration.SamplerConfiguration {
        switch self {
        case .alwaysOn: .alwaysOn
        case .alwaysOff: .alwaysOff
        case .traceIDRatio(let ratio): .traceIDRatio(ratio: ratio) ?? .alwaysOn
        case .parentBasedAlwaysOn: .parentBasedAlwaysOn
        case .parentBasedAlwaysOff: .parentBasedAlwaysOff
        case .parentBasedTraceIDRatio(let ratio): .parentBasedTraceIDRatio(ratio: ratio) ?? .parentBasedAlwaysOn
        }
    }
}

extension Tracer {
    /// The `traceparent` and `tracestate` of `context` (nil fields when it holds no span, or when tracing is off).
    public func traceHeaders(of context: ServiceContext) -> TraceHeaders {
        var headers = TraceHeaders()
        inject(context, into: &headers, using: TraceHeadersInjector())
        return headers
    }

    /// A context continuing `headers` (stored earlier with `traceHeaders(of:)`, or received); a top-level
    /// context, so a new trace, when they are absent or invalid.
    public func context(continuing headers: TraceHeaders) -> ServiceContext {
        var context = ServiceContext.topLevel
        extract(headers, into: &context, using: TraceHeadersExtractor())
        return context
    }
}
