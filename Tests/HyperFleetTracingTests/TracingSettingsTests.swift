import HyperFleetConfig
import HyperFleetTracing
import Logging
import Testing

@Suite struct TracingSettingsTests {
    private func read(
        _ yaml: String = "", environment: [String: String] = [:], overrides: TracingSettings.Overrides = .init()
    ) throws -> TracingSettings {
        let reader = try ConfigReader(yaml: yaml, environment: environment, prefix: "HYPERFLEET_API")
        let settings = try TracingSettings.read(reader, environment: environment, overrides: overrides)
        try reader.rejectUnknownKeys()
        return settings
    }

    private func error(
        _ yaml: String = "", environment: [String: String] = [:], overrides: TracingSettings.Overrides = .init()
    ) -> ConfigError? {
        do {
            _ = try read(yaml, environment: environment, overrides: overrides)
            return nil
        } catch let error as ConfigError {
            return error
        } catch {
            return ConfigError(key: "?", "unexpected \(error)")
        }
    }

    private let file = """
        tracing:
          enabled: true
          otlp_endpoint: http://collector:4318
          service_name: api-from-file
          sampler: traceidratio
          sampler_arg: 0.25
          export_timeout: 3s
        """

    @Test func offByDefaultWithTheSpecDefaults() throws {
        let settings = try read()
        #expect(settings.enabled == false)
        #expect(settings.tracesEndpoint == nil)
        #expect(settings.serviceName == nil)
        #expect(settings.sampler == .parentBasedAlwaysOn)
        #expect(settings.exportTimeout == .seconds(10))
    }

    @Test func theFileSectionIsRead() throws {
        let settings = try read(file)
        #expect(settings.enabled)
        #expect(settings.tracesEndpoint == "http://collector:4318/v1/traces")
        #expect(settings.serviceName == "api-from-file")
        #expect(settings.sampler == .traceIDRatio(0.25))
        #expect(settings.exportTimeout == .seconds(3))
        #expect(settings.sources["sampler"] == "file")
    }

    @Test func theProtocolComesFromTheFileThenTheOTelVariablesTracesFirst() throws {
        #expect(try read().otlpProtocol == .httpProtobuf)
        let onWithJSON = "tracing:\n  enabled: true\n  otlp_protocol: http/json\n"
        #expect(try read(onWithJSON).otlpProtocol == .httpJSON)
        #expect(try read(onWithJSON, environment: ["OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf"]).otlpProtocol == .httpProtobuf)
        let both = ["OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/json"]
        let settings = try read(onWithJSON, environment: both)
        #expect(settings.otlpProtocol == .httpJSON)
        #expect(settings.sources["otlp_protocol"] == "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
        #expect(error("tracing:\n  otlp_protocol: grpc\n")?.description.contains("tracing.otlp_protocol") == true)
        #expect(error(onWithJSON, environment: ["OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"])?.description.contains("OTEL_EXPORTER_OTLP_PROTOCOL") == true)
    }

    @Test func emptyFileValuesMeanTheDefaults() throws {
        let settings = try read("tracing:\n  enabled: true\n  service_name: ''\n  otlp_endpoint: ''\n  otlp_protocol: ''\n")
        #expect(settings.serviceName == nil && settings.tracesEndpoint == nil && settings.otlpProtocol == .httpProtobuf)
    }

    @Test func enabledByDefaultOnlyWhereTheCallerSaysSo() throws {
        let reader = try ConfigReader(yaml: "", environment: [:], prefix: "HYPERFLEET_DEV")
        #expect(try TracingSettings.read(reader, environment: [:], enabledByDefault: true).enabled)
        #expect(try TracingSettings.read(reader, environment: ["OTEL_SDK_DISABLED": "true"], enabledByDefault: true).enabled == false)
    }

    @Test func theRoleVariablesBeatTheFile() throws {
        let settings = try read(
            file,
            environment: [
                "HYPERFLEET_API_TRACING_SAMPLER": "always_off", "HYPERFLEET_API_TRACING_OTLP_ENDPOINT": "https://role:4318/",
                "HYPERFLEET_API_TRACING_ENABLED": "false",
            ])
        #expect(settings.sampler == .alwaysOff)
        #expect(settings.tracesEndpoint == "https://role:4318/v1/traces")
        #expect(settings.enabled == false)
        #expect(settings.sources["sampler"] == "HYPERFLEET_API_TRACING_SAMPLER")
    }

    @Test func theOTelVariablesBeatTheRoleVariables() throws {
        let settings = try read(
            file,
            environment: [
                "HYPERFLEET_API_TRACING_SAMPLER": "always_off", "OTEL_TRACES_SAMPLER": "parentbased_traceidratio",
                "HYPERFLEET_API_TRACING_SAMPLER_ARG": "0.1", "OTEL_TRACES_SAMPLER_ARG": "0.5",
                "HYPERFLEET_API_TRACING_SERVICE_NAME": "role-name", "OTEL_SERVICE_NAME": "otel-name",
                "HYPERFLEET_API_TRACING_OTLP_ENDPOINT": "http://role:4318", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://otel:4318",
            ])
        #expect(settings.sampler == .parentBasedTraceIDRatio(0.5))
        #expect(settings.serviceName == "otel-name")
        #expect(settings.tracesEndpoint == "http://otel:4318/v1/traces")
        #expect(settings.sources["otlp_endpoint"] == "OTEL_EXPORTER_OTLP_ENDPOINT")
    }

    @Test func theTracesEndpointVariableIsUsedAsItIsAndBeatsTheGeneralOne() throws {
        let settings = try read(
            file,
            environment: ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://otel:4318", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://traces:9999/custom"])
        #expect(settings.tracesEndpoint == "http://traces:9999/custom")
    }

    @Test func flagsBeatTheOTelVariables() throws {
        let overrides = TracingSettings.Overrides(
            enabled: .init(flag: "--tracing", value: "true"), otlpEndpoint: .init(flag: "--otlp-endpoint", value: "http://flag:4318"),
            serviceName: .init(flag: "--service-name", value: "flag-name"), sampler: .init(flag: "--sampler", value: "always_on"))
        let settings = try read(
            file,
            environment: [
                "OTEL_SDK_DISABLED": "true", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://otel:4318", "OTEL_SERVICE_NAME": "otel-name",
                "OTEL_TRACES_SAMPLER": "always_off",
            ], overrides: overrides)
        #expect(settings.enabled)
        #expect(settings.tracesEndpoint == "http://flag:4318/v1/traces")
        #expect(settings.serviceName == "flag-name")
        #expect(settings.sampler == .alwaysOn)
        #expect(settings.sources["otlp_endpoint"] == "--otlp-endpoint")
    }

    @Test func sdkDisabledTurnsTracingOffButFalseDoesNotTurnItOn() throws {
        #expect(try read(file, environment: ["OTEL_SDK_DISABLED": "TRUE"]).enabled == false)
        #expect(try read(environment: ["OTEL_SDK_DISABLED": "false"]).enabled == false)
        #expect(try read(file, environment: ["OTEL_SDK_DISABLED": "false"]).enabled)
    }

    @Test func theExporterVariableChoosesWhetherSpansLeaveTheProcess() throws {
        #expect(try read(file, environment: ["OTEL_TRACES_EXPORTER": "none"]).tracesEndpoint == nil)
        #expect(try read("tracing: {enabled: true}", environment: ["OTEL_TRACES_EXPORTER": "otlp"]).tracesEndpoint == "http://localhost:4318/v1/traces")
        #expect(try read(file, environment: ["OTEL_TRACES_EXPORTER": "otlp"]).tracesEndpoint == "http://collector:4318/v1/traces")
    }

    @Test func emptyVariablesCountAsUnset() throws {
        let settings = try read(file, environment: ["OTEL_SERVICE_NAME": "", "OTEL_EXPORTER_OTLP_ENDPOINT": " "])
        #expect(settings.serviceName == "api-from-file")
        #expect(settings.tracesEndpoint == "http://collector:4318/v1/traces")
    }

    @Test func badValuesNameTheKeyAndTheRule() throws {
        let on = "tracing: {enabled: true}"
        let cases: [(String, [String: String], TracingSettings.Overrides, String, String)] = [
            ("tracing: {sampler: sometimes}", [:], .init(), "tracing.sampler", "must be one of"),
            (on, ["OTEL_TRACES_SAMPLER": "jaeger_remote"], .init(), "OTEL_TRACES_SAMPLER", "must be one of"),
            ("tracing: {sampler_arg: 1.5}", [:], .init(), "tracing.sampler_arg", "between 0 and 1"),
            (on, ["OTEL_TRACES_SAMPLER_ARG": "half"], .init(), "OTEL_TRACES_SAMPLER_ARG", "between 0 and 1"),
            ("tracing: {otlp_endpoint: 'ftp://collector'}", [:], .init(), "tracing.otlp_endpoint", "http or https URL"),
            (on, ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "collector:4318"], .init(), "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http or https URL"),
            (on, ["OTEL_TRACES_EXPORTER": "zipkin"], .init(), "OTEL_TRACES_EXPORTER", "'otlp' or 'none'"),
            (on, ["OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"], .init(), "OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
            (on, ["OTEL_PROPAGATORS": "tracecontext,b3"], .init(), "OTEL_PROPAGATORS", "tracecontext"),
            ("", ["OTEL_SDK_DISABLED": "maybe"], .init(), "OTEL_SDK_DISABLED", "true or false"),
            ("tracing: {enabled: sometimes}", [:], .init(), "tracing.enabled", "true or false"),
            ("tracing: {export_timeout: soon}", [:], .init(), "tracing.export_timeout", "not a duration"),
            ("tracing: {service_name: \(String(repeating: "x", count: 256))}", [:], .init(), "tracing.service_name", "at most 255"),
            ("", [:], .init(sampler: .init(flag: "--sampler", value: "nope")), "--sampler", "must be one of"),
            ("", [:], .init(otlpEndpoint: .init(flag: "--otlp-endpoint", value: "localhost")), "--otlp-endpoint", "http or https URL"),
            ("tracing: {samplr: always_on}", [:], .init(), "tracing.samplr", "unknown key"),
        ]
        for (yaml, environment, overrides, key, rule) in cases {
            let failure = try #require(error(yaml, environment: environment, overrides: overrides), "\(key) should be rejected")
            #expect(failure.key == key)
            #expect(failure.problem.contains(rule), "\(failure)")
        }
    }

    @Test func theOTelVariablesAreNotReadWhileTracingIsOff() throws {
        let foreign = [
            "OTEL_PROPAGATORS": "tracecontext,baggage", "OTEL_TRACES_SAMPLER": "jaeger_remote", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc",
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://otel:4317",
        ]
        let settings = try read(environment: foreign)
        #expect(settings.enabled == false)
        #expect(settings.tracesEndpoint == nil)
        #expect(error("tracing: {enabled: true}", environment: foreign)?.key == "OTEL_TRACES_SAMPLER")
    }

    @Test func aFlagThatSwiftOTelWouldOverrideIsRefused() throws {
        let overrides = TracingSettings.Overrides(otlpEndpoint: .init(flag: "--otlp-endpoint", value: "http://flag:4318"))
        let settings = try read("tracing: {enabled: true}", overrides: overrides)
        let logger = Logger(label: "test")
        #expect(throws: ConfigError.self) {
            _ = try makeTracer(settings: settings, serviceName: "api", logger: logger, processEnvironment: ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://other:4318"])
        }
        let made = try makeTracer(settings: settings, serviceName: "api", logger: logger, processEnvironment: ["OTEL_SERVICE_NAME": "other"])
        #expect(made.services.count == 1)
    }

    @Test func offMakesTheNoOpTracerAndNoServices() throws {
        let made = try makeTracer(settings: try read(), serviceName: "api", logger: Logger(label: "test"), processEnvironment: [:])
        #expect(made.services.isEmpty)
        #expect(made.tracer.traceHeaders(of: .topLevel) == TraceHeaders())
    }
}
