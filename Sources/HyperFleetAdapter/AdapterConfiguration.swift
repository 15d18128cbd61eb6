import HyperFleetConfig
import HyperFleetModel
import HyperFleetTracing

/// The kind of resource one adapter process watches.
public enum AdapterResourceType: String, Sendable, CaseIterable {
    case clusters
    case nodepools

    /// The Sentinel's topic for this type (SENTINEL.md "Events").
    public var defaultTopic: String { "hyperfleet-\(rawValue)" }

    /// The CloudEvents `type` the Sentinel gives reconcile events of this resource type.
    public var eventType: String {
        self == .clusters ? "com.redhat.hyperfleet.cluster.reconcile" : "com.redhat.hyperfleet.nodepool.reconcile"
    }
}

/// What the simulated adapter does with a resource (ADAPTER.md "Simulated behaviour").
public enum AdapterBehaviour: String, Sendable, CaseIterable {
    /// Applied True; Available False while the job runs, then True; Health True.
    case succeed
    /// Business failure: Applied True, Available False (`JobFailed`), Health True.
    case reject
    /// Adapter error: Applied False, Available False, Health False.
    case fail
    /// Reports nothing (a dead adapter).
    case silent
    /// Like `succeed`, with a job ten times longer.
    case slow
    /// Reports nothing; the process exits non-zero (or the service throws).
    case crash
}

/// Everything `hyperfleet adapter` can be told: `config/adapters/<type>-<name>.yaml`, then
/// `HYPERFLEET_ADAPTER_*` variables (key path upper-cased, dots as underscores), then flags.
public struct AdapterConfiguration: Sendable {
    /// How the adapter reaches the HyperFleet API.
    public struct API: Sendable {
        /// Scheme, host and port of the API, e.g. `http://127.0.0.1:8000` (no path).
        public var url = "http://127.0.0.1:8000"
        /// File holding a bearer token, re-read on every request (rotated tokens); nil: no token.
        public var tokenFile: String?
        /// Bound on one HTTP request.
        public var timeout: Duration = .seconds(10)
        /// First pause before retrying after a 5xx or a network error; doubles up to `retryMax`.
        public var retryBase: Duration = .milliseconds(100)
        /// Cap of the retry pause.
        public var retryMax: Duration = .seconds(5)
        /// Attempts per request before the evaluation is given up (the next event retries it).
        public var maxAttempts = 8
    }

    /// How the adapter reads reconcile events.
    public struct Kafka: Sendable {
        /// Bootstrap servers, `host:port,...`.
        public var brokers = "127.0.0.1:9092"
        /// Topic to consume; nil: the resource type's default (`hyperfleet-clusters` / `hyperfleet-nodepools`).
        public var topic: String?
        /// Passed to librdkafka as given (SASL, TLS, session timeouts ...).
        public var properties: [String: String] = [:]
    }

    /// Adapter name, as it appears in status reports (`validation`, `dns`, ...).
    public var name = ""
    /// Resource type this adapter watches.
    public var resourceType: AdapterResourceType = .clusters
    /// Adapters that must be `Available=True` at the resource's current generation first.
    public var preconditions: [String] = []
    /// Nodepools only: the owning cluster's phase must also be `Ready`.
    public var requireClusterReady = false
    /// Behaviour when the resource's `spec.simulate.<name>` does not say otherwise.
    public var behaviour: AdapterBehaviour = .succeed
    /// How long the simulated job runs (ten times longer for `slow`).
    public var jobDuration: Duration = .seconds(2)
    /// Events evaluated at once (events of one resource are always serialized).
    public var concurrency = 8
    public var api = API()
    public var kafka = Kafka()
    /// Listen address of the health and metrics servers.
    public var host = "0.0.0.0"
    public var healthPort = 8082
    public var metricsPort = 9092
    public var log = LogSettings()
    /// `tracing:`: spans and W3C trace-context propagation (off by default).
    public var tracing = TracingSettings()

    public init() {}

    /// Environment variables start with this (`HYPERFLEET_ADAPTER_API_URL` for `api.url`).
    public static let environmentPrefix = "HYPERFLEET_ADAPTER"

    /// The consumer group: `<name>-<resource type>`, so each adapter of each type sees every event.
    public var consumerGroup: String { "\(name)-\(resourceType.rawValue)" }

    /// The topic actually consumed.
    public var topic: String { kafka.topic ?? resourceType.defaultTopic }

    /// Reads a configuration file (nil: only the environment); unknown keys are errors naming the key.
    /// `tracingOverrides` are the command line's tracing flags; `environment` also supplies the `OTEL_*` variables.
    public static func load(
        file: String?, environment: [String: String], tracingOverrides: TracingSettings.Overrides = .init()
    ) throws -> AdapterConfiguration {
        let reader = try ConfigReader(file: file, environment: environment, prefix: environmentPrefix)
        var c = AdapterConfiguration()
        c.name = try reader.string("name", default: c.name)
        let type = try reader.string("resource_type", default: c.resourceType.rawValue)
        guard let parsedType = AdapterResourceType(rawValue: type) else {
            throw ConfigError(key: "resource_type", "must be 'clusters' or 'nodepools', got '\(type)'")
        }
        c.resourceType = parsedType
        c.preconditions = try reader.stringList("preconditions", default: [])
        c.requireClusterReady = try reader.bool("require_cluster_ready", default: false)
        let behaviour = try reader.string("behaviour", default: c.behaviour.rawValue)
        guard let parsedBehaviour = AdapterBehaviour(rawValue: behaviour) else {
            throw ConfigError(
                key: "behaviour",
                "must be one of \(AdapterBehaviour.allCases.map(\.rawValue).joined(separator: ", ")), got '\(behaviour)'")
        }
        c.behaviour = parsedBehaviour
        c.jobDuration = try reader.duration("job_duration", default: c.jobDuration)
        c.concurrency = try reader.int("concurrency", default: c.concurrency, range: 1...1024)
        c.api.url = try reader.string("api.url", default: c.api.url)
        c.api.tokenFile = try reader.optionalString("api.token_file").flatMap { $0.isEmpty ? nil : $0 }
        c.api.timeout = try reader.duration("api.timeout", default: c.api.timeout)
        c.api.retryBase = try reader.duration("api.retry_base", default: c.api.retryBase)
        c.api.retryMax = try reader.duration("api.retry_max", default: c.api.retryMax)
        c.api.maxAttempts = try reader.int("api.max_attempts", default: c.api.maxAttempts, range: 1...1000)
        c.kafka.brokers = try reader.string("kafka.brokers", default: c.kafka.brokers)
        c.kafka.topic = try reader.optionalString("kafka.topic").flatMap { $0.isEmpty ? nil : $0 }
        c.kafka.properties = try reader.stringMap("kafka.properties")
        c.host = try reader.string("host", default: c.host)
        c.healthPort = try reader.int("health_port", default: c.healthPort, range: 0...65535)
        c.metricsPort = try reader.int("metrics_port", default: c.metricsPort, range: 0...65535)
        c.log = try LogSettings.read(reader)
        c.tracing = try TracingSettings.read(reader, environment: environment, overrides: tracingOverrides)
        try reader.rejectUnknownKeys()
        return c
    }

    /// Rules that relate several keys; call after flags are applied. Errors name the key.
    public func validate() throws {
        if let problem = Names.resourceNameProblem(name) {
            throw ConfigError(key: "name", name.isEmpty ? "is required (the adapter name, e.g. validation)" : problem)
        }
        var seen: Set<String> = []
        for precondition in preconditions {
            if let problem = Names.resourceNameProblem(precondition) {
                throw ConfigError(key: "preconditions", "'\(precondition)': \(problem)")
            }
            if precondition == name { throw ConfigError(key: "preconditions", "an adapter cannot wait for itself ('\(name)')") }
            if !seen.insert(precondition).inserted { throw ConfigError(key: "preconditions", "'\(precondition)' is listed twice") }
        }
        if requireClusterReady && resourceType != .nodepools {
            throw ConfigError(key: "require_cluster_ready", "only applies to resource_type nodepools")
        }
        let url = api.url.lowercased()
        guard url.hasPrefix("http://") || url.hasPrefix("https://"), url.count > "https://".count else {
            throw ConfigError(key: "api.url", "must be an http:// or https:// URL, got '\(api.url)'")
        }
        if api.retryBase > api.retryMax { throw ConfigError(key: "api.retry_base", "must not be larger than api.retry_max") }
        if kafka.brokers.trimmingCharacters(in: .whitespaces).isEmpty { throw ConfigError(key: "kafka.brokers", "must not be empty") }
        if topic.trimmingCharacters(in: .whitespaces).isEmpty { throw ConfigError(key: "kafka.topic", "must not be empty") }
        if healthPort != 0 && healthPort == metricsPort {
            throw ConfigError(key: "metrics_port", "must differ from health_port (\(healthPort))")
        }
    }

    /// The effective configuration as YAML-like text, secrets redacted (for `--check`).
    public var summary: String {
        let properties = kafka.properties.keys.sorted().map { key -> String in
            let secret = key.contains("password") || key.contains("secret") || key.contains("key")
            return "    \(key): \(secret ? "<redacted>" : kafka.properties[key]!)"
        }
        return """
            name: \(name)
            resource_type: \(resourceType.rawValue)
            preconditions: [\(preconditions.joined(separator: ", "))]
            require_cluster_ready: \(requireClusterReady)
            behaviour: \(behaviour.rawValue)
            job_duration: \(DurationText.format(jobDuration))
            concurrency: \(concurrency)
            api:
              url: \(api.url)
              token_file: \(api.tokenFile ?? "")
              timeout: \(DurationText.format(api.timeout))
              retry_base: \(DurationText.format(api.retryBase))
              retry_max: \(DurationText.format(api.retryMax))
              max_attempts: \(api.maxAttempts)
            kafka:
              brokers: \(kafka.brokers)
              topic: \(topic)
              # consumer group: \(consumerGroup)
              properties:\(properties.isEmpty ? " {}" : "\n" + properties.joined(separator: "\n"))
            host: \(host)
            health_port: \(healthPort)
            metrics_port: \(metricsPort)
            log:
              level: \(log.level)
              format: \(log.format.rawValue)
            \(tracing.summary)
            """
    }
}
