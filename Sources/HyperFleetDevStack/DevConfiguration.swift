import HyperFleetAdapter
import HyperFleetAPI
import HyperFleetConfig
import HyperFleetTracing
import Sentinel

/// `hyperfleet dev` settings (`config/dev.yaml`, `HYPERFLEET_DEV_*`): ports and short timings.
public struct DevConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var apiPort = 8000
    public var healthPort = 8080
    public var metricsPort = 9090
    public var sentinelHealthPort = 8081
    public var postgresPort = 55432
    /// The Sentinel's development timings; `config/dev.yaml` may set the same timing keys as
    /// `config/sentinel.yaml` (`SentinelConfiguration.readTimings`).
    public var sentinelTimings: SentinelConfiguration = {
        var timings = SentinelConfiguration()
        timings.pollInterval = .seconds(1)
        timings.debounce = .milliseconds(500)
        timings.notReadyBackoff = .init(base: .seconds(1), max: .seconds(10))
        timings.failedBackoff = .init(base: .seconds(2), max: .seconds(30))
        timings.maxAgeReady = .seconds(60)
        timings.staleAdapterAfter = .seconds(120)
        timings.staleCheckInterval = .seconds(5)
        timings.stuckAfter = .seconds(120)
        timings.stuckDeleteAfter = .seconds(120)
        return timings
    }()
    public var jobDuration: Duration = .milliseconds(200)
    /// Every component's tracing (`tracing:` in config/dev.yaml, `HYPERFLEET_DEV_TRACING_*`, `OTEL_*`,
    /// flags): on by default here; each component still gets its own tracer and service name.
    public var tracing: TracingSettings = {
        var tracing = TracingSettings()
        tracing.enabled = true
        return tracing
    }()

    public init() {}

    public static func load(
        file: String?, environment: [String: String], tracingOverrides: TracingSettings.Overrides = .init()
    ) throws -> DevConfiguration {
        let reader = try ConfigReader(file: file, environment: environment, prefix: "HYPERFLEET_DEV")
        var c = DevConfiguration()
        c.host = try reader.string("host", default: c.host)
        c.apiPort = try reader.int("api_port", default: c.apiPort, range: 1...65535)
        c.healthPort = try reader.int("health_port", default: c.healthPort, range: 1...65535)
        c.metricsPort = try reader.int("metrics_port", default: c.metricsPort, range: 1...65535)
        c.sentinelHealthPort = try reader.int("sentinel_health_port", default: c.sentinelHealthPort, range: 1...65535)
        c.postgresPort = try reader.int("postgres_port", default: c.postgresPort, range: 1...65535)
        try c.sentinelTimings.readTimings(from: reader)
        c.jobDuration = try reader.duration("job_duration", default: c.jobDuration)
        c.tracing = try TracingSettings.read(reader, environment: environment, overrides: tracingOverrides, enabledByDefault: true)
        try reader.rejectUnknownKeys()
        return c
    }

    /// The API configuration of the dev stack: auth off, loopback, migrations at start.
    public func api(databaseURL: String) -> APIConfiguration {
        var a = APIConfiguration()
        a.server.host = host
        a.server.port = apiPort
        a.server.healthPort = healthPort
        a.server.metricsPort = metricsPort
        a.database.url = databaseURL
        a.auth.enabled = false
        a.migrateOnStart = true
        a.tracing = tracing
        return a
    }

    /// The Sentinel configuration of the dev stack: both types, these timings, this database and broker.
    public func sentinel(databaseURL: String, brokers: String) -> SentinelConfiguration {
        var s = sentinelTimings
        s.database.url = databaseURL
        s.kafka.brokers = brokers
        s.claimLease = .seconds(30)
        s.kafka.properties = ["message.timeout.ms": "5000"]
        s.host = host
        s.healthPort = sentinelHealthPort
        s.metricsPort = 0  // the API's metrics port serves the whole process
        s.tracing = tracing
        return s
    }

    /// An adapter of the dev stack: this API and broker, the dev job duration, and a short consumer
    /// session so that an adapter restarted after a crash rejoins its group quickly.
    public func adapter(_ configuration: AdapterConfiguration, apiURL: String, brokers: String) -> AdapterConfiguration {
        var adapter = configuration
        adapter.api.url = apiURL
        adapter.kafka.brokers = brokers
        adapter.jobDuration = jobDuration
        adapter.tracing = tracing
        adapter.kafka.properties["session.timeout.ms"] = adapter.kafka.properties["session.timeout.ms"] ?? "6000"
        adapter.kafka.properties["heartbeat.interval.ms"] = adapter.kafka.properties["heartbeat.interval.ms"] ?? "500"
        return adapter
    }

    public var apiURL: String { "http://\(host):\(apiPort)" }
}
