import Foundation
import HyperFleetConfig

/// The `tracing:` section of a role's configuration, resolved with the standard `OTEL_*` variables.
///
/// Precedence, per key: a command-line flag, then the `OTEL_*` variable, then the role's
/// `HYPERFLEET_<ROLE>_TRACING_*` variable, then the file, then the default. Off by default: no spans,
/// nothing propagated.
public struct TracingSettings: Sendable, Equatable {
    /// Which traces are recorded; the names and meanings of `OTEL_TRACES_SAMPLER`.
    public enum Sampler: Sendable, Equatable {
        case alwaysOn
        case alwaysOff
        case traceIDRatio(Double)
        case parentBasedAlwaysOn
        case parentBasedAlwaysOff
        case parentBasedTraceIDRatio(Double)

        public static let names = [
            "always_on", "always_off", "traceidratio", "parentbased_always_on", "parentbased_always_off", "parentbased_traceidratio",
        ]
    }

    /// Spans are made and propagated only when enabled.
    public var enabled = false
    /// The full URL spans are POSTed to (`.../v1/traces`); nil: spans are made and propagated but not exported.
    public var tracesEndpoint: String?
    /// nil: the component's own name (`makeTracer(settings:serviceName:...)`).
    public var serviceName: String?
    public var sampler = Sampler.parentBasedAlwaysOn
    /// How long one export (and the final flush) may take; the caller's shutdown timeout bounds it too.
    public var exportTimeout: Duration = .seconds(10)
    /// The OTLP/HTTP body encoding.
    public var otlpProtocol = OTLPProtocol.httpProtobuf
    /// Where each resolved key came from (`--flag`, `OTEL_*`, the role's variable, `file`), for summaries and
    /// for telling a flag apart from the `OTEL_*` variables that swift-otel reads again by itself.
    public var sources: [String: String] = [:]

    public init() {}

    /// OTLP over HTTP carries protobuf (the default, what collectors expect) or JSON.
    public enum OTLPProtocol: String, Sendable, Equatable, CaseIterable {
        case httpProtobuf = "http/protobuf"
        case httpJSON = "http/json"
    }

    /// A value given on the command line; `flag` is its spelling (starting with `-`, like `--otlp-endpoint`),
    /// for error messages and `sources`.
    public struct Override: Sendable, Equatable {
        public var flag: String
        public var value: String
        public init(flag: String, value: String) {
            self.flag = flag
            self.value = value
        }
    }

    /// Command-line values, which win over everything else.
    public struct Overrides: Sendable, Equatable {
        public var enabled: Override?
        /// A base URL like `OTEL_EXPORTER_OTLP_ENDPOINT` (`/v1/traces` is appended).
        public var otlpEndpoint: Override?
        public var serviceName: Override?
        public var sampler: Override?
        public var samplerArg: Override?
        public init(
            enabled: Override? = nil, otlpEndpoint: Override? = nil, serviceName: Override? = nil, sampler: Override? = nil,
            samplerArg: Override? = nil
        ) {
            self.enabled = enabled
            self.otlpEndpoint = otlpEndpoint
            self.serviceName = serviceName
            self.sampler = sampler
            self.samplerArg = samplerArg
        }
    }

    /// The standard variables read here (the OpenTelemetry SDK configuration names).
    public enum Variable {
        public static let sdkDisabled = "OTEL_SDK_DISABLED"
        public static let endpoint = "OTEL_EXPORTER_OTLP_ENDPOINT"
        public static let tracesEndpoint = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
        public static let serviceName = "OTEL_SERVICE_NAME"
        public static let sampler = "OTEL_TRACES_SAMPLER"
        public static let samplerArg = "OTEL_TRACES_SAMPLER_ARG"
        public static let exporter = "OTEL_TRACES_EXPORTER"
        /// Checked only, because swift-otel reads them too and stops the process on values it lacks.
        public static let protocols = ["OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"]
        public static let propagators = "OTEL_PROPAGATORS"
    }

    /// The OTLP/HTTP default, used when `OTEL_TRACES_EXPORTER=otlp` names no endpoint.
    public static let defaultEndpoint = "http://localhost:4318"

    /// Reads `tracing.*` (file and `<prefix>_TRACING_*` through `reader`), then the `OTEL_*` variables in
    /// `environment`, then `overrides`. A bad value throws a `ConfigError` naming the key, variable or flag.
    /// `tracing.enabled` is resolved first; while it is false only `OTEL_SDK_DISABLED` of the variables is read.
    /// `enabledByDefault` is the default of `tracing.enabled` (true only for `hyperfleet dev`).
    public static func read(
        _ reader: ConfigReader, environment: [String: String], overrides: Overrides = .init(), enabledByDefault: Bool = false
    ) throws -> TracingSettings {
        var settings = TracingSettings()
        func env(_ name: String) -> String? {
            guard let value = environment[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
            return value
        }
        func configured(_ key: String) -> String { reader.sources[key] ?? "default" }
        // While tracing is off, the other OTEL_* variables are not read at all: they may be set for other
        // programs (an OpenTelemetry operator injects them pod-wide), and nothing here would use them.
        func otel(_ name: String) -> String? { settings.enabled ? env(name) : nil }

        // enabled
        settings.enabled = try reader.bool("tracing.enabled", default: enabledByDefault)
        settings.sources["enabled"] = configured("tracing.enabled")
        if let raw = env(Variable.sdkDisabled) {
            switch raw.lowercased() {
            case "true":
                settings.enabled = false
                settings.sources["enabled"] = Variable.sdkDisabled
            case "false": break  // the SDK's default: it does not turn tracing on
            default: throw ConfigError(key: Variable.sdkDisabled, "must be true or false, got '\(raw)'")
            }
        }
        if let flag = overrides.enabled {
            switch flag.value.lowercased() {
            case "true", "yes", "on", "1": settings.enabled = true
            case "false", "no", "off", "0": settings.enabled = false
            default: throw ConfigError(key: flag.flag, "expected true or false, got '\(flag.value)'")
            }
            settings.sources["enabled"] = flag.flag
        }

        // endpoint: a base URL (file, role variable, OTEL_EXPORTER_OTLP_ENDPOINT, flag) gets `/v1/traces`;
        // OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is used as it is.
        if let base = try reader.optionalString("tracing.otlp_endpoint"), !base.trimmingCharacters(in: .whitespaces).isEmpty {
            settings.tracesEndpoint = try tracesURL(base: base, key: "tracing.otlp_endpoint")
            settings.sources["otlp_endpoint"] = configured("tracing.otlp_endpoint")
        }
        if let exact = otel(Variable.tracesEndpoint) {
            settings.tracesEndpoint = try checkedURL(exact, key: Variable.tracesEndpoint)
            settings.sources["otlp_endpoint"] = Variable.tracesEndpoint
        } else if let base = otel(Variable.endpoint) {
            settings.tracesEndpoint = try tracesURL(base: base, key: Variable.endpoint)
            settings.sources["otlp_endpoint"] = Variable.endpoint
        }
        if let exporter = otel(Variable.exporter) {
            switch exporter.lowercased() {
            case "none":
                settings.tracesEndpoint = nil
                settings.sources["otlp_endpoint"] = Variable.exporter
            case "otlp":
                if settings.tracesEndpoint == nil {
                    settings.tracesEndpoint = try tracesURL(base: defaultEndpoint, key: Variable.exporter)
                    settings.sources["otlp_endpoint"] = Variable.exporter
                }
            default:
                throw ConfigError(key: Variable.exporter, "must be 'otlp' or 'none' (OTLP over HTTP is the only exporter), got '\(exporter)'")
            }
        }
        if let flag = overrides.otlpEndpoint {
            settings.tracesEndpoint = try tracesURL(base: flag.value, key: flag.flag)
            settings.sources["otlp_endpoint"] = flag.flag
        }

        // service name
        if let name = try reader.optionalString("tracing.service_name"), !name.trimmingCharacters(in: .whitespaces).isEmpty {
            settings.serviceName = try checkedServiceName(name, key: "tracing.service_name")
            settings.sources["service_name"] = configured("tracing.service_name")
        }
        if let name = otel(Variable.serviceName) {
            settings.serviceName = try checkedServiceName(name, key: Variable.serviceName)
            settings.sources["service_name"] = Variable.serviceName
        }
        if let flag = overrides.serviceName {
            settings.serviceName = try checkedServiceName(flag.value, key: flag.flag)
            settings.sources["service_name"] = flag.flag
        }

        // sampler and its argument, each key on its own
        var samplerName = (name: "parentbased_always_on", key: "tracing.sampler")
        if let name = try reader.optionalString("tracing.sampler") {
            samplerName = (name, "tracing.sampler")
            settings.sources["sampler"] = configured("tracing.sampler")
        }
        if let name = otel(Variable.sampler) {
            samplerName = (name, Variable.sampler)
            settings.sources["sampler"] = Variable.sampler
        }
        if let flag = overrides.sampler {
            samplerName = (flag.value, flag.flag)
            settings.sources["sampler"] = flag.flag
        }
        var ratio: Double? = nil
        if let text = try reader.optionalString("tracing.sampler_arg") {
            ratio = try checkedRatio(text, key: "tracing.sampler_arg")
            settings.sources["sampler_arg"] = configured("tracing.sampler_arg")
        }
        if let text = otel(Variable.samplerArg) {
            ratio = try checkedRatio(text, key: Variable.samplerArg)
            settings.sources["sampler_arg"] = Variable.samplerArg
        }
        if let flag = overrides.samplerArg {
            ratio = try checkedRatio(flag.value, key: flag.flag)
            settings.sources["sampler_arg"] = flag.flag
        }
        switch samplerName.name.lowercased() {
        case "always_on": settings.sampler = .alwaysOn
        case "always_off": settings.sampler = .alwaysOff
        case "traceidratio": settings.sampler = .traceIDRatio(ratio ?? 1)
        case "parentbased_always_on": settings.sampler = .parentBasedAlwaysOn
        case "parentbased_always_off": settings.sampler = .parentBasedAlwaysOff
        case "parentbased_traceidratio": settings.sampler = .parentBasedTraceIDRatio(ratio ?? 1)
        default:
            throw ConfigError(key: samplerName.key, "must be one of \(Sampler.names.joined(separator: ", ")), got '\(samplerName.name)'")
        }

        settings.exportTimeout = try reader.duration("tracing.export_timeout", default: settings.exportTimeout)
        settings.sources["export_timeout"] = configured("tracing.export_timeout")

        // protocol: the file (or role variable), then OTEL_EXPORTER_OTLP_PROTOCOL, then the traces-only
        // variable. swift-otel reads the variables itself and ends the process on values it does not
        // support, so they are checked here even when the file's value is used.
        if let text = try reader.optionalString("tracing.otlp_protocol"), !text.trimmingCharacters(in: .whitespaces).isEmpty {
            settings.otlpProtocol = try checkedProtocol(text, key: "tracing.otlp_protocol")
            settings.sources["otlp_protocol"] = configured("tracing.otlp_protocol")
        }
        for name in Variable.protocols {
            if let value = otel(name) {
                settings.otlpProtocol = try checkedProtocol(value, key: name)
                settings.sources["otlp_protocol"] = name
            }
        }
        if let value = otel(Variable.propagators) {
            let names = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            if names.contains(where: { $0 != "tracecontext" }) {
                throw ConfigError(key: Variable.propagators, "must be tracecontext (W3C Trace Context is the only propagator), got '\(value)'")
            }
        }
        return settings
    }

    private static func checkedURL(_ text: String, key: String) throws -> String {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let url = URL(string: trimmed), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = url.host, !host.isEmpty, url.query == nil, url.fragment == nil
        else {
            throw ConfigError(key: key, "must be an http or https URL without query, like http://localhost:4318, got '\(text)'")
        }
        return trimmed
    }

    /// `base` + `/v1/traces`, the OTLP/HTTP path for spans.
    private static func tracesURL(base: String, key: String) throws -> String {
        let checked = try checkedURL(base, key: key)
        return checked.hasSuffix("/") ? checked + "v1/traces" : checked + "/v1/traces"
    }

    private static func checkedProtocol(_ text: String, key: String) throws -> OTLPProtocol {
        guard let value = OTLPProtocol(rawValue: text.trimmingCharacters(in: .whitespaces).lowercased()) else {
            throw ConfigError(key: key, "must be http/protobuf or http/json (only OTLP over HTTP is built in), got '\(text)'")
        }
        return value
    }

    private static func checkedServiceName(_ text: String, key: String) throws -> String {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed.count <= 255, !trimmed.contains(where: { $0.isNewline }) else {
            throw ConfigError(key: key, "must be a non-empty name of at most 255 characters on one line")
        }
        return trimmed
    }

    private static func checkedRatio(_ text: String, key: String) throws -> Double {
        guard let value = Double(text.trimmingCharacters(in: .whitespaces)), value.isFinite, (0...1).contains(value) else {
            throw ConfigError(key: key, "must be a sampling ratio between 0 and 1, got '\(text)'")
        }
        return value
    }
}

extension TracingSettings {
    /// The `tracing:` block of a `--check` summary, with where each value came from.
    public var summary: String {
        let samplerText: String
        switch sampler {
        case .alwaysOn: samplerText = "always_on"
        case .alwaysOff: samplerText = "always_off"
        case .traceIDRatio(let ratio): samplerText = "traceidratio \(ratio)"
        case .parentBasedAlwaysOn: samplerText = "parentbased_always_on"
        case .parentBasedAlwaysOff: samplerText = "parentbased_always_off"
        case .parentBasedTraceIDRatio(let ratio): samplerText = "parentbased_traceidratio \(ratio)"
        }
        return """
            tracing:
              enabled: \(enabled)
              otlp_endpoint: \(tracesEndpoint ?? "(none: spans are not exported)")
              service_name: \(serviceName ?? "(the component's name)")
              sampler: \(samplerText)
              otlp_protocol: \(otlpProtocol.rawValue)
              export_timeout: \(DurationText.format(exportTimeout))
            """
    }
}
