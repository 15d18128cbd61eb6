import Metrics
import Prometheus

/// The process-wide metrics backend for tests: MetricsSystem can be bootstrapped once per process,
/// and every test target runs in one process.
public enum TestMetrics {
    public static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()

    /// The current value of one sample line, e.g. `name{a="b"}`; nil when absent.
    public static func value(_ sample: String) -> Double? {
        value(sample, in: registry.emitToString())
    }

    /// The value of one sample line in Prometheus text (a role's own registry, see `Telemetry`).
    public static func value(_ sample: String, in text: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(sample + " ") {
            return Double(line.split(separator: " ").last ?? "")
        }
        return nil
    }
}
