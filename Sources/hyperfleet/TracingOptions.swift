import ArgumentParser
import HyperFleetTracing

/// The tracing flags every serving command takes; they win over `OTEL_*`, `HYPERFLEET_<ROLE>_TRACING_*`
/// and the file's `tracing:` section.
struct TracingOptions: ParsableArguments {
    @Option(name: .customLong("tracing"), help: ArgumentHelp("Make spans and propagate W3C trace context: true or false (overrides tracing.enabled).", valueName: "bool"))
    var enabled: String?

    @Option(name: .long, help: ArgumentHelp("OTLP/HTTP collector base URL; spans go to <url>/v1/traces (overrides tracing.otlp_endpoint and OTEL_EXPORTER_OTLP_ENDPOINT).", valueName: "url"))
    var otlpEndpoint: String?

    @Option(name: .customLong("tracing-service-name"), help: ArgumentHelp("Service name of the spans (overrides tracing.service_name and OTEL_SERVICE_NAME).", valueName: "name"))
    var serviceName: String?

    @Option(name: .customLong("tracing-sampler"), help: ArgumentHelp("always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off or parentbased_traceidratio.", valueName: "name"))
    var sampler: String?

    @Option(name: .customLong("tracing-sampler-arg"), help: ArgumentHelp("Sampling ratio (0..1) of the traceidratio samplers.", valueName: "ratio"))
    var samplerArg: String?

    var overrides: TracingSettings.Overrides {
        func override(_ value: String?, _ flag: String) -> TracingSettings.Override? {
            value.map { TracingSettings.Override(flag: flag, value: $0) }
        }
        return TracingSettings.Overrides(
            enabled: override(enabled, "--tracing"), otlpEndpoint: override(otlpEndpoint, "--otlp-endpoint"),
            serviceName: override(serviceName, "--tracing-service-name"), sampler: override(sampler, "--tracing-sampler"),
            samplerArg: override(samplerArg, "--tracing-sampler-arg"))
    }
}
