import Foundation
import HyperFleetConfig
import HyperFleetJSON
import HyperFleetTracing
import Postgres
import SentinelCore
import Timing

/// Everything `hyperfleet sentinel` can be told (`config/sentinel.yaml`, `HYPERFLEET_SENTINEL_*`, flags).
/// Environment variables: `HYPERFLEET_SENTINEL_` + the key path (`poll_interval` ->
/// `HYPERFLEET_SENTINEL_POLL_INTERVAL`), except the keys every process shares (`ConfigReader.sharedKeys`:
/// `HYPERFLEET_LOG_LEVEL`, `HYPERFLEET_LOG_FORMAT`, `HYPERFLEET_DATABASE_URL`, and `DATABASE_URL`).
public struct SentinelConfiguration: Sendable {

    public struct Kafka: Sendable {
        public var brokers = "127.0.0.1:9092"
        /// Passed to librdkafka as given (SASL, TLS, compression, message.timeout.ms ...).
        public var properties: [String: String] = [:]
        public var clustersTopic = "hyperfleet-clusters"
        public var nodepoolsTopic = "hyperfleet-nodepools"
        public var alertsTopic = "hyperfleet-alerts"
        public var createTopics = false
        public var partitions = 3
        public var replicationFactor = 1
        public var structuredMode = false
        public var source = "hyperfleet-sentinel"
    }

    public var resourceTypes = ["clusters", "nodepools"]
    public var database = DatabaseSettings()
    public var kafka = Kafka()
    public var pollInterval: Duration = .seconds(5)
    public var batchSize = 500
    public var claimLease: Duration = .seconds(30)
    public var notReadyBackoff = Backoff(base: .seconds(10), max: .seconds(300))
    public var failedBackoff = Backoff(base: .seconds(30), max: .seconds(1800))
    public var debounce: Duration = .seconds(10)
    public var maxAgeReady: Duration = .seconds(1800)
    public var staleAdapterAfter: Duration = .seconds(3600)
    public var staleCheckInterval: Duration = .seconds(30)
    public var staleAlertEvents = true
    /// A resource not Ready at its generation for this long is stuck (OPERATIONS.md).
    public var stuckAfter: Duration = .seconds(1800)
    /// A resource deleting for this long is stuck.
    public var stuckDeleteAfter: Duration = .seconds(1800)
    public var stuckAlertEvents = true
    /// History entries older than this are trimmed (the newest 100 per resource are kept within it).
    public var historyRetention: Duration = .seconds(7 * 86400)
    public var historyTrimInterval: Duration = .seconds(60)
    public var publishRetry = Backoff(base: .seconds(1), max: .seconds(30))
    /// Static sharding: only resources whose labels contain all of these.
    public var selector: [String: String] = [:]
    public var host = "0.0.0.0"
    public var healthPort = 8081
    public var metricsPort = 9091
    public var shutdownTimeout: Duration = .seconds(10)
    public var log = LogSettings()
    /// `tracing:`: spans and W3C trace-context propagation (off by default).
    public var tracing = TracingSettings()

    public init() {}

    /// Reads the timing keys (`poll_interval`, the backoffs, `debounce`, `max_age_ready`, the stale
    /// check) over the current values: `hyperfleet sentinel` and the dev stack's file share them.
    public mutating func readTimings(from reader: ConfigReader) throws {
        pollInterval = try reader.duration("poll_interval", default: pollInterval)
        notReadyBackoff.base = try reader.duration("not_ready_backoff_base", default: notReadyBackoff.base)
        notReadyBackoff.max = try reader.duration("not_ready_backoff_max", default: notReadyBackoff.max)
        failedBackoff.base = try reader.duration("failed_backoff_base", default: failedBackoff.base)
        failedBackoff.max = try reader.duration("failed_backoff_max", default: failedBackoff.max)
        debounce = try reader.duration("debounce", default: debounce)
        maxAgeReady = try reader.duration("max_age_ready", default: maxAgeReady)
        staleAdapterAfter = try reader.duration("stale_adapter_after", default: staleAdapterAfter)
        staleCheckInterval = try reader.duration("stale_check_interval", default: staleCheckInterval)
        stuckAfter = try reader.duration("stuck_after", default: stuckAfter)
        stuckDeleteAfter = try reader.duration("stuck_delete_after", default: stuckDeleteAfter)
        historyRetention = try reader.duration("history_retention", default: historyRetention)
        historyTrimInterval = try reader.duration("history_trim_interval", default: historyTrimInterval)
    }

    /// `tracingOverrides` are the command line's tracing flags; `environment` also supplies the `OTEL_*` variables.
    public static func load(
        file: String?, environment: [String: String], tracingOverrides: TracingSettings.Overrides = .init()
    ) throws -> SentinelConfiguration {
        let reader = try ConfigReader(file: file, environment: environment, prefix: Self.environmentPrefix)
        var c = SentinelConfiguration()
        c.resourceTypes = try reader.stringList("resource_types", default: c.resourceTypes)
        c.database = try DatabaseSettings.read(reader, environment: environment)
        c.kafka.brokers = try reader.string("kafka.brokers", default: c.kafka.brokers)
        c.kafka.properties = try reader.stringMap("kafka.properties")
        c.kafka.clustersTopic = try reader.string("kafka.topics.clusters", default: c.kafka.clustersTopic)
        c.kafka.nodepoolsTopic = try reader.string("kafka.topics.nodepools", default: c.kafka.nodepoolsTopic)
        c.kafka.alertsTopic = try reader.string("kafka.topics.alerts", default: c.kafka.alertsTopic)
        c.kafka.createTopics = try reader.bool("kafka.create_topics", default: c.kafka.createTopics)
        c.kafka.partitions = try reader.int("kafka.partitions", default: c.kafka.partitions, range: 1...10_000)
        c.kafka.replicationFactor = try reader.int("kafka.replication_factor", default: c.kafka.replicationFactor, range: 1...32)
        let mode = try reader.string("kafka.event_mode", default: "binary")
        guard mode == "binary" || mode == "structured" else {
            throw ConfigError(key: "kafka.event_mode", "must be 'binary' or 'structured', got '\(mode)'")
        }
        c.kafka.structuredMode = mode == "structured"
        c.kafka.source = try reader.string("kafka.source", default: c.kafka.source)
        try c.readTimings(from: reader)
        c.batchSize = try reader.int("batch_size", default: c.batchSize, range: 1...100_000)
        c.claimLease = try reader.duration("claim_lease", default: c.claimLease)
        c.staleAlertEvents = try reader.bool("stale_alert_events", default: c.staleAlertEvents)
        c.stuckAlertEvents = try reader.bool("stuck_alert_events", default: c.stuckAlertEvents)
        c.publishRetry.base = try reader.duration("publish_retry.base", default: c.publishRetry.base)
        c.publishRetry.max = try reader.duration("publish_retry.max", default: c.publishRetry.max)
        c.selector = try reader.stringMap("selector")
        c.host = try reader.string("server.host", default: c.host)
        c.healthPort = try reader.int("server.health_port", default: c.healthPort, range: 0...65535)
        c.metricsPort = try reader.int("server.metrics_port", default: c.metricsPort, range: 0...65535)
        c.shutdownTimeout = try reader.duration("server.shutdown_timeout", default: c.shutdownTimeout)
        c.log = try LogSettings.read(reader)
        c.tracing = try TracingSettings.read(reader, environment: environment, overrides: tracingOverrides)
        try reader.rejectUnknownKeys()
        return c
    }

    /// Rules that relate several keys; call after flags are applied.
    public func validate() throws {
        if resourceTypes.isEmpty { throw ConfigError(key: "resource_types", "must name clusters, nodepools or both") }
        for type in resourceTypes where type != "clusters" && type != "nodepools" {
            throw ConfigError(key: "resource_types", "unknown resource type '\(type)' (clusters or nodepools)")
        }
        for (key, topic) in [
            ("kafka.topics.clusters", kafka.clustersTopic), ("kafka.topics.nodepools", kafka.nodepoolsTopic),
            ("kafka.topics.alerts", kafka.alertsTopic),
        ] where topic.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ConfigError(key: key, "must not be empty")
        }
        if kafka.brokers.trimmingCharacters(in: .whitespaces).isEmpty { throw ConfigError(key: "kafka.brokers", "must not be empty") }
        if publishRetry.base > publishRetry.max {
            throw ConfigError(key: "publish_retry.base", "must not be larger than publish_retry.max")
        }
        if let problem = decisionSettings.problem() {
            throw ConfigError(key: String(problem.prefix { $0 != " " }), problem)
        }
        for (key, value) in [
            ("stale_check_interval", staleCheckInterval), ("stuck_after", stuckAfter), ("stuck_delete_after", stuckDeleteAfter),
            ("history_retention", historyRetention), ("history_trim_interval", historyTrimInterval),
        ] where Microseconds.of(value) <= 0 {
            throw ConfigError(key: key, "must be positive, got \(DurationText.format(value))")
        }
        if let problem = StaleAdapterSettingsCheck.problem(staleAdapterAfter: staleAdapterAfter, settings: decisionSettings) {
            throw ConfigError(key: "stale_adapter_after", problem)
        }
        if let timeout = kafka.properties["message.timeout.ms"] {
            guard let milliseconds = Int(timeout), milliseconds > 0 else {
                throw ConfigError(key: "kafka.properties.message.timeout.ms", "must be a positive integer")
            }
            if Duration.milliseconds(milliseconds) * 2 >= claimLease {
                throw ConfigError(
                    key: "kafka.properties.message.timeout.ms",
                    "must be below half of claim_lease (\(DurationText.format(claimLease))) so a slow delivery cannot outlive its claim")
            }
        } else if Duration.milliseconds(Self.defaultMessageTimeoutMilliseconds) * 2 >= claimLease {
            throw ConfigError(key: "claim_lease", "must be more than twice the producer's message.timeout.ms (\(Self.defaultMessageTimeoutMilliseconds) ms)")
        }
    }

    /// The durations the decision rules use.
    public var decisionSettings: DecisionSettings {
        var settings = DecisionSettings()
        settings.notReadyBackoffBase = notReadyBackoff.base
        settings.notReadyBackoffMax = notReadyBackoff.max
        settings.failedBackoffBase = failedBackoff.base
        settings.failedBackoffMax = failedBackoff.max
        settings.debounce = debounce
        settings.maxAgeReady = maxAgeReady
        return settings
    }

    /// The prefix of the Sentinel's own environment variables.
    public static let environmentPrefix = "HYPERFLEET_SENTINEL"

    /// The producer timeout applied when the configuration does not set one.
    public static let defaultMessageTimeoutMilliseconds = 10_000
}

extension SentinelConfiguration {
    /// The label selector as a JSON object for `labels @> $n::jsonb`, or nil when unset.
    public var selectorJSON: String? {
        guard !selector.isEmpty else { return nil }
        return JSONValue.object(selector.mapValues(JSONValue.string)).serialized()
    }

    /// The effective configuration as YAML-like text, secrets redacted (for `--check`).
    public var summary: String {
        let redactedProperties = kafka.properties.keys.sorted().map { key -> String in
            let secret = key.contains("password") || key.contains("secret") || key.contains("key")
            return "    \(key): \(secret ? "<redacted>" : kafka.properties[key]!)"
        }
        return """
            resource_types: [\(resourceTypes.joined(separator: ", "))]
            database:
              url: \(database.postgres.redactedDescription.isEmpty ? "(libpq PG* environment)" : database.postgres.redactedDescription)
              pool_size: \(database.poolSize)
              connect_timeout: \(DurationText.format(database.connectTimeout))
            kafka:
              brokers: \(kafka.brokers)
              topics: {clusters: \(kafka.clustersTopic), nodepools: \(kafka.nodepoolsTopic), alerts: \(kafka.alertsTopic)}
              create_topics: \(kafka.createTopics)
              partitions: \(kafka.partitions)
              replication_factor: \(kafka.replicationFactor)
              event_mode: \(kafka.structuredMode ? "structured" : "binary")
              source: \(kafka.source)
              properties:\(redactedProperties.isEmpty ? " {}" : "\n" + redactedProperties.joined(separator: "\n"))
            poll_interval: \(DurationText.format(pollInterval))
            batch_size: \(batchSize)
            claim_lease: \(DurationText.format(claimLease))
            not_ready_backoff_base: \(DurationText.format(notReadyBackoff.base))
            not_ready_backoff_max: \(DurationText.format(notReadyBackoff.max))
            failed_backoff_base: \(DurationText.format(failedBackoff.base))
            failed_backoff_max: \(DurationText.format(failedBackoff.max))
            debounce: \(DurationText.format(debounce))
            max_age_ready: \(DurationText.format(maxAgeReady))
            stale_adapter_after: \(DurationText.format(staleAdapterAfter))
            stale_check_interval: \(DurationText.format(staleCheckInterval))
            stale_alert_events: \(staleAlertEvents)
            stuck_after: \(DurationText.format(stuckAfter))
            stuck_delete_after: \(DurationText.format(stuckDeleteAfter))
            stuck_alert_events: \(stuckAlertEvents)
            history_retention: \(DurationText.format(historyRetention))
            history_trim_interval: \(DurationText.format(historyTrimInterval))
            publish_retry: {base: \(DurationText.format(publishRetry.base)), max: \(DurationText.format(publishRetry.max))}
            selector: \(selectorJSON ?? "{}")
            server:
              host: \(host)
              health_port: \(healthPort)
              metrics_port: \(metricsPort)
              shutdown_timeout: \(DurationText.format(shutdownTimeout))
            log:
              level: \(log.level)
              format: \(log.format.rawValue)
            \(tracing.summary)
            """
    }
}

import HyperFleetModel
